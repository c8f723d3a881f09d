import type { AlertRecord } from "./alert.js";

/** Tells devices and operators about an alert change (MQTT locally; MQTT and SNS on AWS). */
export interface AlertPublisher {
  publish(alert: AlertRecord): Promise<void>;
}
