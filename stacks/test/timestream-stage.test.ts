import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Props, resourcesOf, templatesOf } from "./synth.js";

describe("a Timestream stage (FLEETLINE_TELEMETRY=timestream)", () => {
  let timestream: Record<string, Template>;
  beforeAll(async () => {
    timestream = await templatesOf("legacy", { FLEETLINE_TELEMETRY: "timestream" });
  }, 600_000);

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
});
