import { describe, expect, it } from "vitest";
import { alertTopic, shadowTopic, telemetryTopic } from "../src/devices/index.js";
import { EVENT_SOURCE, TELEMETRY_PARTITION_KEY, TELEMETRY_RULE_SQL } from "../src/pipeline/index.js";
import { parseTelemetryTopic } from "../src/telemetry/index.js";

describe("topics", () => {
  it("builds and parses the telemetry topic of each device type", () => {
    expect(telemetryTopic("robot", "rb-7")).toBe("dt/fleetline/robot/rb-7/telemetry");
    expect(parseTelemetryTopic(telemetryTopic("freestyle", "fs_9"))).toEqual({
      ok: true,
      type: "freestyle",
      thing: "fs_9",
    });
  });

  it("builds alert and AWS shadow topics, classic and named", () => {
    expect(alertTopic("robot", "rb-7")).toBe("alerts/fleetline/robot/rb-7");
    expect(shadowTopic("rb-7", "update", "delta")).toBe("$aws/things/rb-7/shadow/update/delta");
    expect(shadowTopic("rb-7", "get", "accepted", "config")).toBe(
      "$aws/things/rb-7/shadow/name/config/get/accepted",
    );
    expect(shadowTopic("rb-7", "delete")).toBe("$aws/things/rb-7/shadow/delete");
  });

  it("refuses wildcards and empty levels as thing names", () => {
    for (const topic of [
      "dt/fleetline/robot/+/telemetry",
      "dt/fleetline/robot/#/telemetry",
      "dt/fleetline/robot//telemetry",
    ]) {
      expect(parseTelemetryTopic(topic)).toMatchObject({ ok: false, reason: "BAD_TOPIC" });
    }
  });
});

describe("pipeline constants", () => {
  it("hold the rule SQL of docs/reference/contract.md §2, with single-quoted topic filter", () => {
    expect(TELEMETRY_RULE_SQL).toBe(
      "SELECT encode(*, 'base64') AS payload, topic() AS topic, topic(3) AS type, topic(4) AS thing, clientid() AS clientId, timestamp() AS receivedAt, newuuid() AS messageId FROM 'dt/fleetline/+/+/telemetry'",
    );
  });

  it("partition by thing and bound retries, unlike Lambda's Kinesis defaults", () => {
    expect(TELEMETRY_PARTITION_KEY).toBe("${topic(4)}");
    expect(EVENT_SOURCE).toMatchObject({
      batchSize: 100,
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
      maxRetryAttempts: 5,
      maxRecordAgeSeconds: 3600,
      startingPosition: "TRIM_HORIZON",
      parallelizationFactor: 1,
    });
  });
});
