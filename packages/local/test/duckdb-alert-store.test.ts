import type { AlarmState } from "@fleetline/core/alarms";
import { describe, expect, it } from "vitest";
import { Database } from "../src/stores/database.js";
import { DuckDbAlertStore } from "../src/stores/duckdb-alert-store.js";
import { tempDir } from "./helpers.js";

const state = (thing: string, revision: number, expiresAt?: number): AlarmState => ({
  thing,
  code: "CO2_LOW",
  streak: 1,
  quiet: 0,
  lastSeq: revision,
  lastTs: revision,
  revision,
  ...(expiresAt === undefined ? {} : { expiresAt }),
});

describe("the DuckDB alert store's things-with-states set", () => {
  it("finds states written before a restart, and none after they expired", async () => {
    const dir = await tempDir("alert-store");
    const path = `${dir.path}/state.duckdb`;
    try {
      let db = await Database.open(path);
      let store = await DuckDbAlertStore.open(db);
      expect(await store.save({ expectedRevision: 0, next: state("fs-a", 1, 500), alerts: [] })).toBe(true);
      await db.close();
      db = await Database.open(path);
      store = await DuckDbAlertStore.open(db);
      expect((await store.statesOf(["fs-a", "fs-b"])).get("fs-a")).toHaveLength(1);
      await store.forgetExpired(1_000);
      expect(await store.states("fs-a")).toEqual([]);
      await db.close();
    } finally {
      await dir.remove();
    }
  });

  it("keeps a state saved while expired ones are being forgotten", async () => {
    const db = await Database.open(":memory:");
    try {
      const store = await DuckDbAlertStore.open(db);
      await store.save({ expectedRevision: 0, next: state("fs-old", 1, 500), alerts: [] });
      // A save that starts just as the set's reload reads the table: its row commits after that read.
      const all = db.all.bind(db);
      let saved: Promise<boolean> | undefined;
      db.all = ((sql: string, params?: never) => {
        const read = all(sql, params);
        if (sql.startsWith("SELECT DISTINCT thing"))
          saved = store.save({ expectedRevision: 0, next: state("fs-new", 1), alerts: [] });
        return read;
      }) as typeof db.all;
      await store.forgetExpired(1_000);
      expect(await saved).toBe(true);
      const found = await store.statesOf(["fs-old", "fs-new"]);
      expect(found.get("fs-old")).toEqual([]);
      expect(found.get("fs-new")?.map((s) => s.thing)).toEqual(["fs-new"]);
    } finally {
      await db.close();
    }
  });
});
