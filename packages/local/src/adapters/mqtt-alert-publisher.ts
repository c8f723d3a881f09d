import { type AlertPublisher, type AlertRecord, alertTopic } from "@fleetline/core";
import type { MessageSource } from "../rules/message-source.js";

/** Publishes alert records on `alerts/fleetline/{type}/{thing}` (docs/contract.md §1) at QoS 1. */
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
