import type { TelemetryRecord } from "@fleetline/core/telemetry";
import { describe, expect, it } from "vitest";
import { Database } from "../src/stores/database.js";
import { DuckDbTelemetryStore } from "../src/stores/duckdb-telemetry-store.js";
import { tempDir } from "./helpers.js";

describe("a data dir from before the record identity included the device time", () => {
  it("keeps its telemetry and then stores a rebooted device's reports", async () => {
    const dir = await tempDir("telemetry-migration");
    const path = `${dir.path}/fleetline.duckdb`;
    const old = await Database.open(path);
    await old.run(`CREATE TABLE telemetry (
      thing VARCHAR NOT NULL, seq BIGINT NOT NULL, type VARCHAR NOT NULL, ts BIGINT NOT NULL,
      received_at BIGINT NOT NULL, message_id VARCHAR NOT NULL, state VARCHAR NOT NULL,
      record VARCHAR NOT NULL, PRIMARY KEY (thing, seq))`);
    const record: TelemetryRecord = {
      thing: "fs-migrate",
      type: "freestyle",
      seq: 0,
      ts: 1_764_297_000_000,
      receivedAt: 1_764_297_000_020,
      messageId: "m0",
      metrics: {
        cabinetTempC: 4,
        co2Kpa: 400,
        waterKpa: 280,
        pours: 0,
        cartridges: { cola: 9 },
        state: "idle",
      },
      faults: [],
    };
    await old.run(
      "INSERT INTO telemetry VALUES ('fs-migrate', 0, 'freestyle', $ts, $at, 'm0', 'idle', $record)",
      {
        ts: BigInt(record.ts),
        at: BigInt(record.receivedAt),
        record: JSON.stringify(record),
      },
    );
    await old.close();

    const db = await Database.open(path);
    try {
      const store = await DuckDbTelemetryStore.open(db);
      expect((await store.latest("fs-migrate"))?.messageId).toBe("m0");
      const rebooted = { ...record, ts: record.ts + 60_000, messageId: "m0-after-reboot" };
      expect(await store.write([record, rebooted])).toEqual({ stored: 1, duplicates: 1 });
      const [key] = await db.all<{ columns: string[] }>(
        "SELECT constraint_column_names AS columns FROM duckdb_constraints() WHERE table_name = 'telemetry' AND constraint_type = 'PRIMARY KEY'",
      );
      expect(key?.columns).toEqual(["thing", "seq", "ts"]);
    } finally {
      await db.close();
      await dir.remove();
    }
  });
});
