import { describe, expect, it } from "vitest";
import { parseProvisioningTemplate, planProvisioning } from "../src/aws/index.js";
import {
  fleetTemplateBody,
  LOCAL_FLEET_NAMES,
  mayClaimPublish,
  mayClaimSubscribe,
  stageNames,
  whyRefuseProvisioning,
} from "../src/devices/index.js";

const template = (body: object) => {
  const parsed = parseProvisioningTemplate(JSON.stringify(body));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

const resources = (thing: object, extra: object = {}) => ({
  thing: { Type: "AWS::IoT::Thing", Properties: thing },
  certificate: {
    Type: "AWS::IoT::Certificate",
    Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
  },
  ...extra,
});

describe("provisioning templates", () => {
  it("evaluates the fleet template with a device's parameters", () => {
    const plan = planProvisioning(
      template(JSON.parse(fleetTemplateBody(stageNames("dev")))),
      { ThingName: "dev_fs-1", DeviceType: "freestyle" },
      "abc",
    );
    expect(plan).toEqual({
      ok: true,
      value: {
        thingName: "dev_fs-1",
        attributes: { type: "freestyle", fleet: "dev-fleetline" },
        thingGroups: [],
        certificateStatus: "ACTIVE",
        policyName: "dev-fleetline-devices",
        deviceConfiguration: {},
      },
    });
  });

  it("applies Fn::Join, Fn::Sub, Fn::Split, Fn::Select and parameter defaults", () => {
    const body = {
      Parameters: { Serial: { Type: "String" }, Line: { Type: "String", Default: "a" } },
      Resources: resources({
        ThingName: { "Fn::Join": ["-", ["fs", { Ref: "Serial" }]] },
        AttributePayload: {
          type: { "Fn::Select": [0, { "Fn::Split": [",", "freestyle,robot"] }] },
          line: { "Fn::Sub": "line-${Line}" },
        },
        ThingGroups: ["lobby"],
      }),
      DeviceConfiguration: { serial: { Ref: "Serial" } },
    };
    const plan = planProvisioning(template(body), { Serial: "0042" }, "abc");
    expect(plan.ok && plan.value).toMatchObject({
      thingName: "fs-0042",
      attributes: { type: "freestyle", line: "line-a" },
      thingGroups: ["lobby"],
      deviceConfiguration: { serial: "0042" },
    });
  });

  it("says what is wrong: not JSON, no thing, an unknown function, a parameter missing, an inline policy", () => {
    expect(parseProvisioningTemplate("{")).toMatchObject({ ok: false, message: "templateBody is not JSON" });
    expect(parseProvisioningTemplate(JSON.stringify({ Resources: {} }))).toMatchObject({
      ok: false,
      message: expect.stringContaining("exactly one AWS::IoT::Thing"),
    });
    expect(
      parseProvisioningTemplate(
        JSON.stringify({ Resources: resources({ ThingName: { "Fn::GetAtt": ["a", "b"] } }) }),
      ),
    ).toMatchObject({ ok: false, message: "intrinsic function Fn::GetAtt is not supported" });
    expect(
      planProvisioning(template({ Resources: resources({ ThingName: { Ref: "Serial" } }) }), {}, "abc"),
    ).toEqual({
      ok: false,
      message: "parameter Serial is missing",
    });
    const inline = template({
      Resources: resources(
        { ThingName: "x" },
        { policy: { Type: "AWS::IoT::Policy", Properties: { PolicyDocument: "{}" } } },
      ),
    });
    expect(planProvisioning(inline, {}, "abc")).toMatchObject({
      ok: false,
      message: expect.stringContaining("PolicyDocument"),
    });
  });
});

describe("the pre-provisioning hook's review and the claim policy", () => {
  it("allows this stage's things of a known type, and refuses another stage's, a bad name or type", () => {
    expect(whyRefuseProvisioning({ ThingName: "dev_fs-1", DeviceType: "freestyle" }, "dev_")).toBeUndefined();
    expect(
      whyRefuseProvisioning({ ThingName: "fs-1", DeviceType: "robot" }, LOCAL_FLEET_NAMES.thingPrefix),
    ).toBeUndefined();
    expect(whyRefuseProvisioning({ ThingName: "prod_fs-1", DeviceType: "freestyle" }, "dev_")).toMatch(
      /another stage/,
    );
    expect(whyRefuseProvisioning({ ThingName: "dev_prod_fs-1", DeviceType: "freestyle" }, "dev_")).toMatch(
      /another stage/,
    );
    expect(whyRefuseProvisioning({ ThingName: "prod_fs-1", DeviceType: "freestyle" }, "")).toMatch(
      /another stage/,
    );
    expect(whyRefuseProvisioning({ ThingName: "fs 1", DeviceType: "freestyle" }, "")).toMatch(/must match/);
    expect(whyRefuseProvisioning({ ThingName: "fleetline-service", DeviceType: "freestyle" }, "")).toMatch(
      /reserved/,
    );
    expect(whyRefuseProvisioning({ ThingName: "fs-1", DeviceType: "toaster" }, "")).toMatch(/device type/);
  });

  it("lets a claim ask for certificates and register with its own template only", () => {
    expect(mayClaimPublish("t", "$aws/certificates/create/json")).toBe(true);
    expect(mayClaimPublish("t", "$aws/certificates/create-from-csr/json")).toBe(true);
    expect(mayClaimPublish("t", "$aws/provisioning-templates/t/provision/json")).toBe(true);
    expect(mayClaimPublish("t", "$aws/provisioning-templates/other/provision/json")).toBe(false);
    expect(mayClaimPublish("t", "dt/fleetline/freestyle/x/telemetry")).toBe(false);
    expect(mayClaimSubscribe("t", "$aws/certificates/create/json/accepted")).toBe(true);
    expect(mayClaimSubscribe("t", "$aws/provisioning-templates/t/provision/json/rejected")).toBe(true);
    expect(mayClaimSubscribe("t", "$aws/provisioning-templates/+/provision/json/accepted")).toBe(false);
    expect(mayClaimSubscribe("t", "$aws/things/x/shadow/get/accepted")).toBe(false);
  });
});
