import type { AlertPublisher, AlertRecord } from "@fleetline/core/alarms";
import { alertTopic } from "@fleetline/core/devices";
import type { MessageSource } from "./message-source.js";

/** Publishes alert records on `alerts/fleetline/{type}/{thing}` (docs/reference/contract.md §1) at QoS 1. */
export class MqttAlertPublisher implements AlertPublisher {
  constructor(private readonly source: MessageSource) {}

  async publish(alert: AlertRecord): Promise<void> {
    await this.source.publish(
      alertTopic(alert.type, alert.thing),
      new TextEncoder().encode(JSON.stringify(alert)),
      1,
    );
  }
}
