import { ListThingsCommand } from "@aws-sdk/client-iot";
import { describeThingRegistryContract } from "@fleetline/core/contract";
import { beforeEach, describe, expect, it } from "vitest";
import { IotThingRegistry } from "../src/adapters/iot-thing-registry.js";
import { fakeIot } from "./fake-iot.js";

const iot = fakeIot(["test-fleetline-devices"]);
const registry = (fleet = "test-fleetline") =>
  new IotThingRegistry(iot.client, { fleet, policyName: "test-fleetline-devices" });

describeThingRegistryContract("IotThingRegistry (mocked AWS IoT)", async () => {
  iot.reset();
  return { registry: registry(), close: async () => iot.reset() };
});

describe("IotThingRegistry (mocked AWS IoT)", () => {
  beforeEach(() => iot.reset());

  it("creates the thing with the attributes the IoT policy reads and an active certificate with the policy", async () => {
    const created = await registry().register("fs-aws-1", "freestyle", 5_000);
    expect(created.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(created.privateKey).toMatch(/PRIVATE KEY/);
    expect(iot.things.get("fs-aws-1")?.attributes).toEqual({
      type: "freestyle",
      fleet: "test-fleetline",
      createdAt: "5000",
    });
    const certificate = iot.certificates.get(created.certificateArn);
    expect(certificate?.status).toBe("ACTIVE");
    expect([...(certificate?.policies ?? [])]).toEqual(["test-fleetline-devices"]);
    expect([...(certificate?.things ?? [])]).toEqual(["fs-aws-1"]);
  });

  it("revokes on removal: every certificate deactivated, detached and deleted, then the thing", async () => {
    const created = await registry().register("rb-aws-1", "robot");
    const second = await registry().issueCertificate("rb-aws-1");
    expect(await registry().remove("rb-aws-1")).toBe(true);
    expect(iot.certificates.has(created.certificateArn)).toBe(false);
    expect(iot.certificates.has(second.certificateArn)).toBe(false);
    expect(iot.things.has("rb-aws-1")).toBe(false);
  });

  it("sees only its own fleet: another stage's thing is neither listed, read nor removed", async () => {
    await registry("other-fleetline").register("fs-other", "freestyle");
    await registry().register("fs-mine", "freestyle");
    expect((await registry().list()).map((t) => t.thing)).toEqual(["fs-mine"]);
    expect(await registry().get("fs-other")).toBeUndefined();
    expect(await registry().remove("fs-other")).toBe(false);
    expect(iot.things.has("fs-other")).toBe(true);
    await expect(registry().register("fs-other", "freestyle")).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("lists a fleet larger than one ListThings page, by name", async () => {
    for (let i = 0; i < 600; i++) {
      iot.things.set(`rb-${String(i).padStart(3, "0")}`, {
        attributes: { type: "robot", fleet: "test-fleetline", createdAt: String(i) },
        principals: new Set(),
      });
    }
    const listed = await registry().list();
    expect(listed).toHaveLength(600);
    expect(listed[599]).toEqual({ thing: "rb-599", type: "robot", createdAt: 599 });
    expect(iot.mock.commandCalls(ListThingsCommand)).toHaveLength(3);
  });
});
