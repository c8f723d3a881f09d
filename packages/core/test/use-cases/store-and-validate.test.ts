import {
  MemoryCounters,
  MemoryQuarantine,
  MemoryStreamProducer,
  MemoryTelemetryStore,
  TEST_EPOCH,
} from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { encodeBase64 } from "../../src/common/index.js";
import { STREAMS } from "../../src/pipeline/index.js";
import { storeRecords, type TelemetryStore, validateRecords } from "../../src/telemetry/index.js";
import { batch, freestyleReport } from "./reports.js";

function envelope(thing: string, seq: number, payload?: string) {
  const body =
    payload ??
    JSON.stringify({
      v: 1,
      seq,
      ts: TEST_EPOCH + seq * 1000,
      metrics: {
        cabinetTempC: 4,
        co2Kpa: 400,
        waterKpa: 280,
        pours: 0,
        cartridges: { cola: 60 },
        state: "idle",
      },
    });
  return {
    id: `raw-${thing}-${seq}`,
    data: new TextEncoder().encode(
      JSON.stringify({
        payload: encodeBase64(new TextEncoder().encode(body)),
        topic: `dt/fleetline/freestyle/${thing}/telemetry`,
        type: "freestyle",
        thing,
        clientId: thing,
        receivedAt: TEST_EPOCH + seq * 1000 + 20,
        messageId: `${thing}-${seq}`,
      }),
    ),
  };
}

function validatePorts() {
  return {
    producer: MemoryStreamProducer.create(),
    quarantine: MemoryQuarantine.create(),
    counters: MemoryCounters.create(),
    validatedStream: STREAMS.validated,
  };
}

describe("validateRecords", () => {
  it("puts valid records on the validated stream and quarantines the rest with their reason", async () => {
    const ports = validatePorts();
    const outcome = await validateRecords([envelope("fs-v", 1), envelope("fs-v", 2, "{oops")], ports);
    expect(outcome.failed.size).toBe(0);
    expect(ports.producer.streams.get(STREAMS.validated)).toHaveLength(1);
    expect((await ports.quarantine.page({ limit: 10 })).items).toEqual([
      expect.objectContaining({ messageId: "fs-v-2", reason: "MALFORMED_JSON" }),
    ]);
    expect(await ports.counters.read()).toMatchObject({ valid: 1, rejected: 1 });
  });

  it("fails only the records whose stream write failed, as transient", async () => {
    const ports = validatePorts();
    ports.producer.failures.failNext(1);
    const outcome = await validateRecords([envelope("fs-v", 1), envelope("fs-v", 2, "{oops")], ports);
    expect([...outcome.failed.keys()]).toEqual(["raw-fs-v-1"]);
    expect([...outcome.failed.values()][0]).toMatchObject({ code: "STREAM_WRITE_FAILED", kind: "transient" });
    expect((await ports.quarantine.page({ limit: 10 })).items).toHaveLength(1);
  });

  it("fails the rejected records for retry when the quarantine is down: nothing is dropped", async () => {
    const ports = validatePorts();
    ports.quarantine.failures.failNext(1);
    const outcome = await validateRecords([envelope("fs-v", 1), envelope("fs-v", 2, "{oops")], ports);
    expect([...outcome.failed.keys()]).toEqual(["raw-fs-v-2"]);
    expect([...outcome.failed.values()][0]).toMatchObject({ code: "STORE_UNAVAILABLE", kind: "transient" });
  });

  it("never fails a batch because counting failed", async () => {
    const ports = validatePorts();
    ports.counters.failures.failNext(1);
    const errors: unknown[] = [];
    const outcome = await validateRecords([envelope("fs-v", 1)], {
      ...ports,
      onCounterError: (e) => errors.push(e),
    });
    expect(outcome.failed.size).toBe(0);
    expect(errors).toHaveLength(1);
  });
});

describe("storeRecords", () => {
  it("stores each record once, counting replays as duplicates", async () => {
    const store = MemoryTelemetryStore.create();
    const counters = MemoryCounters.create();
    const records = [freestyleReport("fs-s", 1), freestyleReport("fs-s", 2)];
    await storeRecords(batch(records), { store, counters });
    expect((await storeRecords(batch(records), { store, counters })).failed.size).toBe(0);
    expect(await counters.read()).toMatchObject({ stored: 2, duplicates: 2 });
  });

  it("fails every record for retry when the store is down, and dead-letters a non-canonical one", async () => {
    const store = MemoryTelemetryStore.create();
    store.failures.failNext(1);
    const inputs = [
      ...batch([freestyleReport("fs-s", 1)]),
      { id: "junk", data: new TextEncoder().encode("[]") },
    ];
    const outcome = await storeRecords(inputs, { store, counters: MemoryCounters.create() });
    const [good, junk] = inputs.map((input) => outcome.failed.get(input.id));
    expect(good).toMatchObject({ code: "STORE_UNAVAILABLE", kind: "transient" });
    expect(junk).toMatchObject({ code: "RECORD_INVALID", kind: "poison" });
  });

  it("quarantines what the store refuses for what it is", async () => {
    const quarantine = MemoryQuarantine.create();
    const refusing: TelemetryStore = {
      write: async (records) => ({
        stored: 0,
        duplicates: 0,
        rejected: records.map((record) => ({
          record,
          reason: "The record timestamp is outside the time range",
        })),
      }),
    };
    const outcome = await storeRecords(batch([freestyleReport("fs-old", 1)]), {
      store: refusing,
      counters: MemoryCounters.create(),
      quarantine,
    });
    expect(outcome.failed.size).toBe(0);
    expect((await quarantine.page({ limit: 5 })).items).toEqual([
      expect.objectContaining({ messageId: "fs-old-1", reason: "TIMESTAMP_TOO_OLD" }),
    ]);
  });
});
