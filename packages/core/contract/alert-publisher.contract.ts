import { describe, expect, it } from "vitest";
import type { AlertPublisher, AlertRecord } from "../src/alarms/index.js";
import { useFixture } from "./fixture.js";

export interface PublishedAlert {
  /** Where it went: an MQTT topic. */
  topic: string;
  record: unknown;
}

/** The behaviour every alert publisher must have: each record, once, as JSON, on the thing's alerts topic. */
export function describeAlertPublisherContract(
  name: string,
  setup: () => Promise<{
    publisher: AlertPublisher;
    published(): Promise<PublishedAlert[]>;
    close(): Promise<void>;
  }>,
) {
  describe(`${name} (alert publisher contract)`, () => {
    const current = useFixture(setup);
    const alert: AlertRecord = {
      id: "a-contract-1",
      thing: "rb-contract-pub",
      type: "robot",
      code: "BATTERY_CRITICAL",
      severity: "critical",
      status: "open",
      openedAt: 1_000,
      occurrences: 1,
      lastSeenAt: 1_000,
    };

    it("publishes each alert record once, whole, on alerts/fleetline/{type}/{thing}", async () => {
      await current().publisher.publish(alert);
      await current().publisher.publish({ ...alert, status: "acked", ackedAt: 2_000 });
      expect(await current().published()).toEqual([
        { topic: "alerts/fleetline/robot/rb-contract-pub", record: alert },
        {
          topic: "alerts/fleetline/robot/rb-contract-pub",
          record: { ...alert, status: "acked", ackedAt: 2_000 },
        },
      ]);
    });
  });
}
