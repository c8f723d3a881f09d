import { ListThingsCommand } from "@aws-sdk/client-iot";
import { describeThingRegistryContract } from "@fleetline/core/contract";
import { beforeEach, describe, expect, it } from "vitest";
import { IotThingRegistry } from "../src/adapters/iot-thing-registry.js";
import { fakeIot } from "./fake-iot.js";

const iot = fakeIot(["test-fleetline-devices"]);
const registry = (fleet = "test-fleetline", thingPrefix = "test_") =>
  new IotThingRegistry(iot.client, { fleet, thingPrefix, policyName: "test-fleetline-devices" });

describeThingRegistryContract(
  "IotThingRegistry (mocked AWS IoT)",
  async () => {
    iot.reset();
    return { registry: registry(), close: async () => iot.reset() };
  },
  "test_",
);

describe("IotThingRegistry (mocked AWS IoT)", () => {
  beforeEach(() => iot.reset());

  it("creates the thing with the attributes the IoT policy reads and an active certificate with the policy", async () => {
    const created = await registry().register("test_fs-aws-1", "freestyle", 5_000);
    expect(created.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(created.privateKey).toMatch(/PRIVATE KEY/);
    expect(iot.things.get("test_fs-aws-1")?.attributes).toEqual({
      type: "freestyle",
      fleet: "test-fleetline",
      createdAt: "5000",
    });
    const certificate = iot.certificates.get(created.certificateArn);
    expect(certificate?.status).toBe("ACTIVE");
    expect([...(certificate?.policies ?? [])]).toEqual(["test-fleetline-devices"]);
    expect([...(certificate?.things ?? [])]).toEqual(["test_fs-aws-1"]);
  });

  it("revokes on removal: every certificate deactivated, detached and deleted, then the thing", async () => {
    const created = await registry().register("test_rb-aws-1", "robot");
    const second = await registry().issueCertificate("test_rb-aws-1");
    expect(await registry().remove("test_rb-aws-1")).toBe(true);
    expect(iot.certificates.has(created.certificateArn)).toBe(false);
    expect(iot.certificates.has(second.certificateArn)).toBe(false);
    expect(iot.things.has("test_rb-aws-1")).toBe(false);
  });

  it("sees only its own fleet: another stage's thing is neither listed, read nor removed", async () => {
    await registry("other-fleetline").register("test_fs-other", "freestyle");
    await registry().register("test_fs-mine", "freestyle");
    expect((await registry().list()).map((t) => t.thing)).toEqual(["test_fs-mine"]);
    expect(await registry().get("test_fs-other")).toBeUndefined();
    expect(await registry().remove("test_fs-other")).toBe(false);
    expect(iot.things.has("test_fs-other")).toBe(true);
    await expect(registry().register("test_fs-other", "freestyle")).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("lists a fleet larger than one ListThings page, by name", async () => {
    for (let i = 0; i < 600; i++) {
      iot.things.set(`test_rb-${String(i).padStart(3, "0")}`, {
        attributes: { type: "robot", fleet: "test-fleetline", createdAt: String(i) },
        principals: new Set(),
      });
    }
    const listed = await registry().list();
    expect(listed).toHaveLength(600);
    expect(listed[599]).toEqual({ thing: "test_rb-599", type: "robot", createdAt: 599 });
    expect(iot.mock.commandCalls(ListThingsCommand)).toHaveLength(3);
  });

  it("registers only things named with the stage's prefix, and ignores any other thing", async () => {
    await expect(registry().register("fs-unprefixed", "freestyle")).rejects.toMatchObject({
      code: "REQUEST_INVALID",
      message: expect.stringContaining("must start with test_"),
    });
    await expect(registry().register("dev_fs-1", "freestyle")).rejects.toMatchObject({
      code: "REQUEST_INVALID",
    });
    // A thing of this fleet but named outside the prefix (made by hand) is not the stage's.
    iot.things.set("fs-by-hand", {
      attributes: { type: "freestyle", fleet: "test-fleetline", createdAt: "1" },
      principals: new Set(),
    });
    expect(await registry().get("fs-by-hand")).toBeUndefined();
    expect(await registry().remove("fs-by-hand")).toBe(false);
    expect((await registry().list()).map((t) => t.thing)).not.toContain("fs-by-hand");
  });
});
