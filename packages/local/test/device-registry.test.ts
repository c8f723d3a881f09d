import { afterEach, describe, expect, it } from "vitest";
import { CertificateAuthority } from "../src/iot/registry/certificate-authority.js";
import { DeviceRegistry } from "../src/iot/registry/device-registry.js";
import { Database } from "../src/stores/database.js";

let db: Database | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe("the device registry", () => {
  it.each(["certificate", "token"] as const)(
    "registers a name once when two %s registrations of it race: the winner's credential works",
    async (credential) => {
      db = await Database.open(":memory:");
      const registry = await DeviceRegistry.open(db, await CertificateAuthority.open(undefined));
      const outcomes = await Promise.allSettled([
        registry.register("fs-race", "freestyle", Date.now(), credential),
        registry.register("fs-race", "freestyle", Date.now(), credential),
      ]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toEqual([{ status: "rejected", reason: expect.objectContaining({ code: "CONFLICT" }) }]);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<DeviceRegistry["register"]>>>)
        .value;
      if ("certificateArn" in winner) {
        const fingerprint = winner.certificateArn.split("/").at(-1) as string;
        expect(registry.verifyCertificate(fingerprint)).toEqual({ thing: "fs-race", type: "freestyle" });
      } else {
        expect(registry.verify("fs-race", winner.token)).toEqual({ thing: "fs-race", type: "freestyle" });
      }
      expect(await registry.list()).toHaveLength(1);
    },
  );
});
