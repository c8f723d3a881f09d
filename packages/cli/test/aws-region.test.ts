import { describe, expect, it } from "vitest";
import { fleetline } from "./dev-process.js";

// No AWS here: an endpoint nothing listens on makes each call fail at once, after the region line.
const offline = {
  AWS_ACCESS_KEY_ID: "AKIALOCALTEST",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_ENDPOINT_URL_IOT: "http://127.0.0.1:9",
  AWS_MAX_ATTEMPTS: "1",
  AWS_PROFILE: undefined,
  AWS_DEFAULT_REGION: undefined,
};

describe("the deploy recipe's commands, in one region", () => {
  it.each([
    [{ AWS_REGION: "eu-central-1" }, [], "AWS region eu-central-1 (from AWS_REGION)"],
    [
      { AWS_REGION: undefined },
      [],
      "AWS region eu-west-1 (the stage's default; set AWS_REGION or --region for another)",
    ],
    [{ AWS_REGION: "eu-central-1" }, ["--region", "us-east-2"], "AWS region us-east-2 (from --region)"],
  ])("fleetline provision says which region it uses first (%o %o)", (env, flags, line) => {
    const result = fleetline(["provision", "--things", "1", "--out", ".tmp/region-certs", ...flags], "", {
      ...offline,
      ...env,
    });
    expect(result.code).toBe(1);
    expect(result.err.split("\n")[0]).toBe(`fleetline provision: ${line}`);
  });

  it("refuses a region that is none, and an endpoint of another region than AWS_REGION's: one line, exit 2", () => {
    const provision = fleetline([
      "provision",
      "--things",
      "1",
      "--out",
      ".tmp/region-certs",
      "--region",
      "mars",
    ]);
    expect(provision).toMatchObject({ code: 2 });
    expect(provision.err.trim().split("\n")).toEqual([
      expect.stringContaining('--region is "mars": not an AWS region'),
    ]);
    const simulate = fleetline(
      ["simulate", "--target", "aws", "--endpoint", "abc-ats.iot.us-east-1.amazonaws.com", "--certs", "/tmp"],
      "",
      { AWS_REGION: "eu-west-1" },
    );
    expect(simulate).toMatchObject({ code: 2 });
    expect(simulate.err.trim().split("\n")).toEqual([
      expect.stringContaining("--endpoint is in us-east-1, but AWS_REGION says the stage is in eu-west-1"),
    ]);
  });
});
