import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Props, resourcesOf, synth, templatesOf } from "./synth.js";

describe("a Timestream stage (FLEETLINE_TELEMETRY=timestream)", () => {
  let timestream: Record<string, Template>;
  beforeAll(async () => {
    process.env.FLEETLINE_TELEMETRY = "timestream";
    try {
      timestream = await templatesOf("legacy");
    } finally {
      delete process.env.FLEETLINE_TELEMETRY;
    }
  }, 180_000);

  it("keeps telemetry in Timestream with magnetic-store writes, and builds no lake", () => {
    const [table] = resourcesOf("AWS::Timestream::Table", timestream);
    expect(table?.MagneticStoreWriteProperties).toEqual({ EnableMagneticStoreWrites: true });
    expect(resourcesOf("AWS::KinesisFirehose::DeliveryStream", timestream)).toEqual([]);
    expect(resourcesOf("AWS::Athena::WorkGroup", timestream)).toEqual([]);
  });

  it("gives the store and the API Timestream's settings and rights", () => {
    const fns = resourcesOf("AWS::Lambda::Function", timestream).map((f) => f.Environment?.Variables ?? {});
    expect(fns.filter((v) => v.TIMESTREAM_DATABASE)).toHaveLength(2);
    const actions = resourcesOf("AWS::IAM::Policy", timestream).flatMap((p) =>
      p.PolicyDocument.Statement.flatMap((s: Props) => [s.Action].flat()),
    );
    expect(actions).toEqual(expect.arrayContaining(["timestream:WriteRecords", "timestream:Select"]));
    expect(actions.filter((a: string) => a.startsWith("athena:") || a.startsWith("firehose:"))).toEqual([]);
  });

  it("refuses a telemetry target it does not know, naming it", async () => {
    process.env.FLEETLINE_TELEMETRY = "influx";
    try {
      await expect(synth("odd")).rejects.toThrow('FLEETLINE_TELEMETRY is "influx"');
    } finally {
      delete process.env.FLEETLINE_TELEMETRY;
    }
  });
});
