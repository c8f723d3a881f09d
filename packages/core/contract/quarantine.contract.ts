import { describe, expect, it } from "vitest";
import type { Quarantine, QuarantineEntry } from "../src/index.js";
import { useFixture } from "./fixture.js";

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
      const listed = await current().quarantine.list({ limit: 10 });
      expect(listed.map((e) => e.messageId)).toEqual(["m3", "m2", "m1"]);
      expect(listed[1]).toEqual(entry("m2", "UNKNOWN_FIELD"));
      expect(await current().quarantine.list({ limit: 1 })).toHaveLength(1);
    });

    it("lists as many as asked for, however many there are", async () => {
      const many = Array.from({ length: 60 }, (_, i) => ({
        ...entry(`q${i}`),
        receivedAt: 1_764_297_000_000 + i,
      }));
      expect(await current().quarantine.put(many)).toBe(60);
      const newest = await current().quarantine.list({ limit: 50 });
      expect(newest.map((e) => e.messageId)).toEqual(
        many
          .slice(10)
          .reverse()
          .map((e) => e.messageId),
      );
      expect(await current().quarantine.list({ limit: 1000 })).toHaveLength(60);
    });
  });
}
