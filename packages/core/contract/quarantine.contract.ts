import { describe, expect, it } from "vitest";
import type { Quarantine, QuarantineEntry } from "../src/index.js";
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

    it("refuses a cursor it did not hand out", async () => {
      await expect(current().quarantine.page({ limit: 10, cursor: "not-a-cursor" })).rejects.toMatchObject({
        code: "REQUEST_INVALID",
      });
    });
  });
}
