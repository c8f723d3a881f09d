import { describe, expect, it } from "vitest";
import type { TelemetryQuery, TelemetryStore } from "../src/telemetry/index.js";
import type { TelemetryRecord } from "../src/telemetry/schema/telemetry.js";
import { useFixture } from "./fixture.js";

export interface TelemetryStoreFixture {
  store: TelemetryStore;
  query: TelemetryQuery;
  close(): Promise<void>;
}

const T0 = 1_764_297_000_000;

export function freestyleRecord(
  thing: string,
  seq: number,
  overrides: Partial<TelemetryRecord> = {},
): TelemetryRecord {
  return {
    thing,
    type: "freestyle",
    seq,
    ts: T0 + seq * 1000,
    receivedAt: T0 + seq * 1000 + 20,
    messageId: `${thing}-${seq}`,
    metrics: {
      cabinetTempC: 3 + (seq % 3),
      co2Kpa: 400,
      waterKpa: 280,
      pours: seq % 2,
      cartridges: { cola: 100 - seq },
      state: seq % 2 === 0 ? "idle" : "dispensing",
    },
    faults: [],
    ...overrides,
  } as TelemetryRecord;
}

export interface TelemetryStoreTraits {
  /**
   * Whether a replay written in a later call is reported as a duplicate. DuckDB can tell; Timestream
   * takes an identical record again without a word, so its adapter reports it as stored. Either
   * way it is one row.
   */
  countsReplays: boolean;
}

/** The behaviour every telemetry store adapter must have (DuckDB locally, Timestream on AWS). */
export function describeTelemetryStoreContract(
  name: string,
  setup: () => Promise<TelemetryStoreFixture>,
  traits: TelemetryStoreTraits = { countsReplays: true },
): void {
  describe(`${name} (telemetry store contract)`, () => {
    const current = useFixture(setup);

    it("stores new records and keeps a replayed (thing, seq, ts) as one row", async () => {
      const records = [1, 2, 3].map((seq) => freestyleRecord("fs-contract-dup", seq));
      expect(await current().store.write(records)).toMatchObject({ stored: 3, duplicates: 0 });
      const replay = await current().store.write([
        records[1] as TelemetryRecord,
        freestyleRecord("fs-contract-dup", 4),
      ]);
      expect(replay.rejected ?? []).toEqual([]);
      if (traits.countsReplays) expect(replay).toEqual({ stored: 1, duplicates: 1 });
      else expect(replay.stored + replay.duplicates).toBe(2);
      const points = await current().query.series({
        thing: "fs-contract-dup",
        metric: "co2Kpa",
        from: T0,
        to: T0 + 10_000,
        bucketMs: 1,
      });
      expect(points.map((p) => p.count)).toEqual([1, 1, 1, 1]);
    });

    it("keeps two messages a device stamped with the same time as two rows", async () => {
      const first = freestyleRecord("fs-contract-sametime", 1);
      const second = freestyleRecord("fs-contract-sametime", 2, {
        ts: first.ts,
        receivedAt: first.receivedAt + 5,
        messageId: "fs-contract-sametime-2b",
      });
      expect(await current().store.write([first])).toMatchObject({ stored: 1, duplicates: 0 });
      expect(await current().store.write([second])).toMatchObject({ stored: 1, duplicates: 0 });
      const points = await current().query.series({
        thing: "fs-contract-sametime",
        metric: "co2Kpa",
        from: first.ts,
        to: first.ts + 1,
        bucketMs: 1,
      });
      expect(points).toEqual([{ t: first.ts, avg: 400, min: 400, max: 400, count: 2 }]);
    });

    it("stores the reports of a rebooted device, whose seq starts again at a later time", async () => {
      const before = [0, 1, 2].map((seq) => freestyleRecord("fs-contract-reboot", seq));
      // Same seqs, later device time: the device restarted its counter (or the thing is new again).
      const after = [0, 1].map((seq) =>
        freestyleRecord("fs-contract-reboot", seq, { ts: T0 + 100_000 + seq, messageId: `reboot-${seq}` }),
      );
      expect(await current().store.write(before)).toMatchObject({ stored: 3, duplicates: 0 });
      expect(await current().store.write(after)).toMatchObject({ stored: 2, duplicates: 0 });
      const replay = await current().store.write([after[0] as TelemetryRecord, before[2] as TelemetryRecord]);
      expect(replay.rejected ?? []).toEqual([]);
      if (traits.countsReplays) expect(replay).toEqual({ stored: 0, duplicates: 2 });
      else expect(replay.stored + replay.duplicates).toBe(2);
      const points = await current().query.series({
        thing: "fs-contract-reboot",
        metric: "co2Kpa",
        from: T0,
        to: T0 + 200_000,
        bucketMs: 1,
      });
      expect(points.map((p) => p.t)).toEqual([T0, T0 + 1_000, T0 + 2_000, T0 + 100_000, T0 + 100_001]);
      expect(points.every((p) => p.count === 1)).toBe(true);
      expect((await current().query.latest("fs-contract-reboot"))?.ts).toBe(T0 + 100_001);
    });

    it("counts a record repeated inside one batch once", async () => {
      const record = freestyleRecord("fs-contract-inbatch", 1);
      expect(await current().store.write([record, record])).toMatchObject({ stored: 1, duplicates: 1 });
    });

    it("buckets a metric with avg, min, max and count", async () => {
      await current().store.write(
        [0, 1, 2, 3, 4, 5].map((seq) => freestyleRecord("fs-contract-series", seq)),
      );
      const points = await current().query.series({
        thing: "fs-contract-series",
        metric: "cabinetTempC",
        from: T0,
        to: T0 + 6_000,
        bucketMs: 3_000,
      });
      expect(points).toEqual([
        { t: T0, avg: 4, min: 3, max: 5, count: 3 },
        { t: T0 + 3_000, avg: 4, min: 3, max: 5, count: 3 },
      ]);
    });

    it("keeps a series per cartridge flavor and excludes the end of the range", async () => {
      await current().store.write([0, 1].map((seq) => freestyleRecord("fs-contract-cart", seq)));
      const points = await current().query.series({
        thing: "fs-contract-cart",
        metric: "cartridges.cola",
        from: T0,
        to: T0 + 1_000,
        bucketMs: 60_000,
      });
      expect(points).toEqual([{ t: T0, avg: 100, min: 100, max: 100, count: 1 }]);
    });

    it("returns the newest record by device time and one summary per thing", async () => {
      await current().store.write([3, 1, 2].map((seq) => freestyleRecord("fs-contract-latest", seq)));
      expect((await current().query.latest("fs-contract-latest"))?.seq).toBe(3);
      expect(await current().query.latest("fs-contract-nobody")).toBeUndefined();
      const summaries = await current().query.summaries();
      expect(summaries.find((s) => s.thing === "fs-contract-latest")).toEqual({
        thing: "fs-contract-latest",
        type: "freestyle",
        lastSeen: T0 + 3_000 + 20,
        state: "dispensing",
      });
    });
  });
}
