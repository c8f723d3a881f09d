import type { AlertPublisher, AlertRecord } from "@fleetline/core/alarms";
import { alertTopic } from "@fleetline/core/devices";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** An alert channel in memory: what it published, on which topic, in order. */
export class MemoryAlertPublisher implements AlertPublisher {
  readonly published: Array<{ topic: string; record: AlertRecord }> = [];

  static create(): WithFailures<MemoryAlertPublisher> {
    return withFailures(new MemoryAlertPublisher(), new FailureSwitches("PUBLISH_FAILED"));
  }

  async publish(alert: AlertRecord): Promise<void> {
    this.published.push({ topic: alertTopic(alert.type, alert.thing), record: structuredClone(alert) });
  }
}
