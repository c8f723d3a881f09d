import { type AlertPublisher, type AlertRecord, alertTopic } from "@fleetline/core";
import { Faults, type WithFaults, withFaults } from "./faults.js";

/** An alert channel in memory: what it published, on which topic, in order. */
export class MemoryAlertPublisher implements AlertPublisher {
  readonly published: Array<{ topic: string; record: AlertRecord }> = [];

  static create(): WithFaults<MemoryAlertPublisher> {
    return withFaults(new MemoryAlertPublisher(), new Faults("PUBLISH_FAILED"));
  }

  async publish(alert: AlertRecord): Promise<void> {
    this.published.push({ topic: alertTopic(alert.type, alert.thing), record: structuredClone(alert) });
  }
}
