import { describe, expect, it } from "vitest";
import type { Quarantine, QuarantineEntry } from "../src/telemetry/index.js";
import { useFixture } from "./fixture.js";
import { readAllPages } from "./paging.js";

function entry(messageId: string, reason: QuarantineEntry["reason"] = "MALFORMED_JSON"): QuarantineEntry {
  return {
    messageId,
    receivedAt: 1_764_297_000_000,
    topic: "dt/fleetline/freestyle/fs-q/telemetry",
    clientId: "fs-q",
    reason,
    detail: "Unexpected token",
    payloadBase64: Buffer.from("{oops").toString("base64"),
  };
}

/** The behaviour every quarantine adapter must have. */
export function describeQuarantineContract(
  name: string,
  setup: () => Promise<{ quarantine: Quarantine; close(): Promise<void> }>,
) {
  describe(`${name} (quarantine contract)`, () => {
    const current = useFixture(setup);

    it("keeps each rejected message once, with its reason and original bytes, newest first", async () => {
      expect(await current().quarantine.put([entry("m1"), entry("m2", "UNKNOWN_FIELD")])).toBe(2);
      expect(await current().quarantine.put([entry("m2", "UNKNOWN_FIELD"), entry("m3")])).toBe(1);
      const listed = await current().quarantine.page({ limit: 10 });
      expect(listed.items.map((e) => e.messageId)).toEqual(["m3", "m2", "m1"]);
      expect(listed.items[1]).toEqual(entry("m2", "UNKNOWN_FIELD"));
      expect(listed.next).toBeUndefined();
      expect((await current().quarantine.page({ limit: 1 })).items).toHaveLength(1);
    });

    it("lists every entry a page at a time, newest first, each once", async () => {
      const many = Array.from({ length: 60 }, (_, i) => ({
        ...entry(`q${String(i).padStart(2, "0")}`),
        receivedAt: 1_764_297_000_000 + Math.floor(i / 2),
      }));
      expect(await current().quarantine.put(many)).toBe(60);
      const { items, pages } = await readAllPages(
        (request) => current().quarantine.page(request),
        25,
        (e) => e.messageId,
      );
      expect(pages).toBe(3);
      expect(items.map((e) => e.messageId)).toEqual(many.map((e) => e.messageId).reverse());
    });

    it("selects the oldest entries matching reason, time and thing, counts them, and removes what was taken", async () => {
      const at = 1_764_297_000_000;
      const from = (
        messageId: string,
        thing: string,
        receivedAt: number,
        reason?: QuarantineEntry["reason"],
      ) => ({
        ...entry(messageId, reason),
        topic: `dt/fleetline/freestyle/${thing}/telemetry`,
        clientId: thing,
        receivedAt,
      });
      // A stage's things carry its prefix with an underscore (prod_…); `_` must match only itself.
      const entries = [
        from("s1", "prod_fs-1", at + 3),
        from("s2", "prod_fs-1", at + 1, "UNKNOWN_FIELD"),
        from("s3", "prodXfs-1", at + 2),
        from("s4", "prod_fs-2", at),
        from("s5", "prod_fs-1", at + 5),
      ];
      await current().quarantine.put(entries);
      const ids = (list: readonly QuarantineEntry[]) => list.map((e) => e.messageId);
      expect(ids(await current().quarantine.select({}, 10))).toEqual(["s4", "s2", "s3", "s1", "s5"]);
      expect(ids(await current().quarantine.select({}, 2))).toEqual(["s4", "s2"]);
      expect(ids(await current().quarantine.select({ thing: "prod_fs-1" }, 10))).toEqual(["s2", "s1", "s5"]);
      expect(
        ids(await current().quarantine.select({ thing: "prod_fs-1", reason: "MALFORMED_JSON" }, 10)),
      ).toEqual(["s1", "s5"]);
      expect(ids(await current().quarantine.select({ since: at + 2 }, 10))).toEqual(["s3", "s1", "s5"]);
      expect(await current().quarantine.select({ thing: "nobody" }, 10)).toEqual([]);
      expect(await current().quarantine.count()).toBe(5);
      expect(await current().quarantine.count({ thing: "prod_fs-1" })).toBe(3);
      expect(await current().quarantine.count({ reason: "MALFORMED_JSON", since: at + 3 })).toBe(2);
      // A redrive run's position: only what sorts after it, the filters still applying.
      const after = { at: at + 1, id: "s2" };
      expect(ids(await current().quarantine.select({ after }, 10))).toEqual(["s3", "s1", "s5"]);
      expect(ids(await current().quarantine.select({ after, since: at + 3 }, 10))).toEqual(["s1", "s5"]);
      expect(ids(await current().quarantine.select({ after: { at: at + 1, id: "s1" } }, 1))).toEqual(["s2"]);
      expect(await current().quarantine.count({ after, thing: "prod_fs-1" })).toBe(2);

      const taken = await current().quarantine.select({ thing: "prod_fs-1" }, 2);
      await current().quarantine.remove(taken);
      // Removing what is already gone is no error (a redrive interrupted and run again).
      await current().quarantine.remove(taken);
      expect(await current().quarantine.count({ thing: "prod_fs-1" })).toBe(1);
      expect(ids((await current().quarantine.page({ limit: 10 })).items)).toEqual(["s5", "s3", "s4"]);
    });

    it("selects across many entries in receive order, however the store pages them", async () => {
      const many = Array.from({ length: 60 }, (_, i) => ({
        ...entry(`r${String(i).padStart(2, "0")}`, i % 3 === 0 ? "UNKNOWN_FIELD" : "MALFORMED_JSON"),
        receivedAt: 1_764_297_000_000 + i,
      }));
      await current().quarantine.put(many);
      const unknown = many.filter((e) => e.reason === "UNKNOWN_FIELD").map((e) => e.messageId);
      expect(
        (await current().quarantine.select({ reason: "UNKNOWN_FIELD" }, 15)).map((e) => e.messageId),
      ).toEqual(unknown.slice(0, 15));
      expect(await current().quarantine.count({ reason: "UNKNOWN_FIELD" })).toBe(20);
    });

    it("refuses a cursor it did not hand out", async () => {
      await expect(current().quarantine.page({ limit: 10, cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: "REQUEST_INVALID",
      });
    });
  });
}
