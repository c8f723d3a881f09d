import { glueType, LAKE_COLUMNS, LAKE_PARTITIONS } from "@fleetline/core/telemetry";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ATHENA_BYTES_SCANNED_CUTOFF, LAKE_BUFFERING } from "../lib/telemetry-lake.js";
import { type Props, type Resources, resourcesOf, templatesOf } from "./synth.js";

let templates: Record<string, Template>;

beforeAll(async () => {
  // A new stage, as on a new AWS account: the telemetry lake (FLEETLINE_TELEMETRY unset).
  templates = await templatesOf("test");
}, 600_000);

const all = (type: string): Props[] => resourcesOf(type, templates);

describe("a lake stage (the default)", () => {
  it("has no Timestream", () => {
    expect(all("AWS::Timestream::Database")).toEqual([]);
  });

  it("delivers the store function's rows to S3 as Parquet with Firehose, partitioned by day and type", () => {
    const [delivery] = all("AWS::KinesisFirehose::DeliveryStream");
    expect(delivery).toMatchObject({
      DeliveryStreamName: "test-fleetline-telemetry",
      DeliveryStreamType: "DirectPut",
      DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK" },
    });
    const s3 = delivery?.ExtendedS3DestinationConfiguration;
    expect(s3.Prefix).toBe("telemetry/day=!{partitionKeyFromQuery:day}/type=!{partitionKeyFromQuery:type}/");
    expect(s3.BufferingHints).toEqual({
      SizeInMBs: LAKE_BUFFERING.sizeInMBs,
      IntervalInSeconds: LAKE_BUFFERING.intervalInSeconds,
    });
    expect(s3.DynamicPartitioningConfiguration.Enabled).toBe(true);
    expect(JSON.stringify(s3.ProcessingConfiguration)).toContain("{day: .day, type: .type}");
    expect(s3.DataFormatConversionConfiguration).toMatchObject({
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: "SNAPPY" } } },
      SchemaConfiguration: { DatabaseName: "test_fleetline", TableName: "telemetry", VersionId: "LATEST" },
    });
  });

  it("declare the Glue table with core's lake columns and partitions, projected, no crawler", () => {
    const [table] = all("AWS::Glue::Table");
    const input = table?.TableInput;
    expect(
      input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type]),
    ).toEqual(LAKE_COLUMNS.map((c) => [c.name, glueType(c.type)]));
    expect(input.PartitionKeys.map((c: { Name: string }) => c.Name)).toEqual(
      LAKE_PARTITIONS.map((p) => p.name),
    );
    expect(input.Parameters).toMatchObject({
      classification: "parquet",
      "projection.enabled": "true",
      "projection.type.values": "freestyle,robot",
    });
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/ParquetHiveSerDe$/);
    expect(all("AWS::Glue::Crawler")).toEqual([]);
  });

  it("run queries in a workgroup with its own encrypted results and a bytes-scanned cutoff", () => {
    const [workGroup] = all("AWS::Athena::WorkGroup");
    expect(workGroup?.Name).toBe("test-fleetline");
    expect(workGroup?.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: ATHENA_BYTES_SCANNED_CUTOFF,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: "SSE_S3" } },
    });
  });

  it("keep the lake's buckets private, encrypted, TLS-only and expiring", () => {
    const buckets = Object.entries(templates.Storage?.findResources("AWS::S3::Bucket") as Resources);
    expect(buckets).toHaveLength(2);
    for (const [id, { Properties }] of buckets) {
      expect(Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(
        Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
        id,
      ).toEqual({
        SSEAlgorithm: "AES256",
      });
      expect(
        Properties.LifecycleConfiguration.Rules.some((r: Props) => r.ExpirationInDays > 0),
        id,
      ).toBe(true);
    }
    const policies = Object.values(
      templates.Storage?.findResources("AWS::S3::BucketPolicy") as Resources,
    ).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    expect(policies.filter((p) => p.includes('"aws:SecureTransport":"false"'))).toHaveLength(2);
  });

  it("let the store function write only the delivery stream and each thing's newest record", () => {
    const store = all("AWS::Lambda::Function").find((f) => f.Environment?.Variables?.DELIVERY_STREAM);
    expect(store?.Environment.Variables).toMatchObject({ FLEETLINE_TELEMETRY: "lake" });
    const actions = all("AWS::IAM::Policy")
      .filter((p) => JSON.stringify(p.Roles).includes("Store"))
      .flatMap((p) => p.PolicyDocument.Statement.flatMap((s: Props) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(["firehose:PutRecordBatch", "dynamodb:PutItem"]));
    expect(actions.filter((a: string) => a.startsWith("timestream:") || a.startsWith("s3:"))).toEqual([]);
  });
});
