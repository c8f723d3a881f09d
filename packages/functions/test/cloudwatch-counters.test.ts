import { describeCountersContract } from "@fleetline/core/contract";
import { afterAll, describe, expect, it } from "vitest";
import { CloudWatchCounters } from "../src/adapters/cloudwatch-counters.js";
import { fakeCloudWatch } from "./fake-cloudwatch.js";

const cloudWatch = fakeCloudWatch();
afterAll(() => cloudWatch.restore());

describeCountersContract("CloudWatchCounters (EMF out, GetMetricData in, mocked CloudWatch)", async () => {
  cloudWatch.reset();
  return {
    counters: new CloudWatchCounters({ stage: "test", cloudWatch: cloudWatch.client }),
    close: async () => cloudWatch.reset(),
  };
});

describe("CloudWatchCounters", () => {
  it("keeps each stage's totals apart and writes them as EMF with the stage dimension", async () => {
    cloudWatch.reset();
    await new CloudWatchCounters({ stage: "prod", cloudWatch: cloudWatch.client }).add({ stored: 5 });
    await new CloudWatchCounters({ stage: "dev", cloudWatch: cloudWatch.client }).add({ stored: 2 });
    expect(cloudWatch.data).toEqual([
      expect.objectContaining({
        namespace: "Fleetline",
        name: "stored",
        value: 5,
        dimensions: { service: "fleetline", stage: "prod" },
      }),
      expect.objectContaining({
        name: "stored",
        value: 2,
        dimensions: { service: "fleetline", stage: "dev" },
      }),
    ]);
    const prod = new CloudWatchCounters({ stage: "prod", cloudWatch: cloudWatch.client });
    expect((await prod.read()).stored).toBe(5);
  });

  it("refuses to read without a CloudWatch client, saying so", async () => {
    await expect(new CloudWatchCounters({ stage: "prod" }).read()).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
  });
});
