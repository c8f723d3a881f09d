import { DEVICE_TYPES, stageNames } from "@fleetline/core/devices";
import { glueType, LAKE_COLUMNS, LAKE_PARTITIONS, LAKE_PREFIX } from "@fleetline/core/telemetry";
import { Duration, type RemovalPolicy, type Stack } from "aws-cdk-lib";
import { CfnWorkGroup } from "aws-cdk-lib/aws-athena";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-glue";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnDeliveryStream } from "aws-cdk-lib/aws-kinesisfirehose";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";

/** How long the lake keeps telemetry (as the Timestream variant's magnetic store). */
export const LAKE_RETENTION_DAYS = 365;

/**
 * Firehose buffers a partition's rows up to 64 MiB (its minimum with dynamic partitioning) or
 * 300 s, whichever comes first: a chart sees a record within about five minutes (the fleet view at
 * once, from DynamoDB), and a (day, type) partition gets at most one file every five minutes.
 */
export const LAKE_BUFFERING = { sizeInMBs: 64, intervalInSeconds: 300 } as const;

/** A query may scan at most this much; the API answers a narrower range instead (1 GiB ≈ $0.005). */
export const ATHENA_BYTES_SCANNED_CUTOFF = 1024 ** 3;

/**
 * The telemetry lake (docs/architecture.md §4): a private, encrypted bucket of Parquet under
 * `telemetry/day=…/type=…/`, written by a Firehose delivery stream that converts the store
 * function's JSON rows with the Glue table's schema; the Glue table (partition projection, so no
 * crawler); and the Athena workgroup the query API runs in, with its own result bucket.
 */
export function telemetryLake(stack: Stack, stage: string, removalPolicy: RemovalPolicy) {
  const names = stageNames(stage);
  const privateBucket = (id: string, expireAfter: Duration, prefix?: string) =>
    new Bucket(stack, id, {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects: false,
      lifecycleRules: [
        { expiration: expireAfter, ...(prefix ? { prefix } : {}) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  const bucket = privateBucket("LakeBucket", Duration.days(LAKE_RETENTION_DAYS + 1));
  const results = privateBucket("QueryResults", Duration.days(7));

  const database = new CfnDatabase(stack, "LakeDatabase", {
    catalogId: stack.account,
    databaseInput: { name: names.lakeDatabase, description: `Fleetline telemetry of stage ${stage}` },
  });
  const location = `s3://${bucket.bucketName}/${LAKE_PREFIX}`;
  const table = new CfnTable(stack, "LakeTable", {
    catalogId: stack.account,
    databaseName: names.lakeDatabase,
    tableInput: {
      name: "telemetry",
      tableType: "EXTERNAL_TABLE",
      partitionKeys: LAKE_PARTITIONS.map(({ name, type, comment }) => ({ name, type, comment })),
      parameters: {
        classification: "parquet",
        // Partition projection: Athena computes the partitions; nothing has to register them.
        "projection.enabled": "true",
        "projection.day.type": "date",
        "projection.day.format": "yyyy-MM-dd",
        "projection.day.range": "2025-01-01,NOW",
        "projection.day.interval": "1",
        "projection.day.interval.unit": "DAYS",
        "projection.type.type": "enum",
        "projection.type.values": DEVICE_TYPES.join(","),
        "storage.location.template": `${location}day=\${day}/type=\${type}/`,
      },
      storageDescriptor: {
        location,
        columns: LAKE_COLUMNS.map(({ name, type, comment }) => ({ name, type: glueType(type), comment })),
        inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        serdeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
      },
    },
  });
  table.addDependency(database);
  const glueArns = [
    `arn:${stack.partition}:glue:${stack.region}:${stack.account}:catalog`,
    `arn:${stack.partition}:glue:${stack.region}:${stack.account}:database/${names.lakeDatabase}`,
    `arn:${stack.partition}:glue:${stack.region}:${stack.account}:table/${names.lakeDatabase}/telemetry`,
  ];

  const role = new Role(stack, "LakeDeliveryRole", {
    assumedBy: new ServicePrincipal("firehose.amazonaws.com"),
  });
  role.addToPolicy(
    new PolicyStatement({
      actions: [
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
      ],
      resources: [bucket.bucketArn, `${bucket.bucketArn}/*`],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
      resources: glueArns,
    }),
  );
  const delivery = new CfnDeliveryStream(stack, "LakeDelivery", {
    deliveryStreamName: names.deliveryStream,
    deliveryStreamType: "DirectPut",
    deliveryStreamEncryptionConfigurationInput: { keyType: "AWS_OWNED_CMK" },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: role.roleArn,
      prefix: `${LAKE_PREFIX}day=!{partitionKeyFromQuery:day}/type=!{partitionKeyFromQuery:type}/`,
      errorOutputPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/",
      bufferingHints: LAKE_BUFFERING,
      compressionFormat: "UNCOMPRESSED",
      dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
      processingConfiguration: {
        enabled: true,
        processors: [
          {
            type: "MetadataExtraction",
            parameters: [
              { parameterName: "MetadataExtractionQuery", parameterValue: "{day: .day, type: .type}" },
              { parameterName: "JsonParsingEngine", parameterValue: "JQ-1.6" },
            ],
          },
        ],
      },
      dataFormatConversionConfiguration: {
        enabled: true,
        inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
        outputFormatConfiguration: { serializer: { parquetSerDe: { compression: "SNAPPY" } } },
        schemaConfiguration: {
          catalogId: stack.account,
          databaseName: names.lakeDatabase,
          tableName: "telemetry",
          region: stack.region,
          roleArn: role.roleArn,
          versionId: "LATEST",
        },
      },
    },
  });
  delivery.node.addDependency(role);
  delivery.addDependency(table);

  const workGroup = new CfnWorkGroup(stack, "LakeWorkGroup", {
    name: names.workGroup,
    description: `Fleetline telemetry queries of stage ${stage}`,
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      bytesScannedCutoffPerQuery: ATHENA_BYTES_SCANNED_CUTOFF,
      publishCloudWatchMetricsEnabled: true,
      resultConfiguration: {
        outputLocation: `s3://${results.bucketName}/athena/`,
        encryptionConfiguration: { encryptionOption: "SSE_S3" },
      },
    },
  });

  /** What the query API needs to run its queries, and nothing more. */
  const queryStatements = () => [
    new PolicyStatement({
      actions: ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"],
      resources: [
        `arn:${stack.partition}:athena:${stack.region}:${stack.account}:workgroup/${names.workGroup}`,
      ],
    }),
    new PolicyStatement({ actions: ["glue:GetDatabase", "glue:GetTable"], resources: glueArns }),
    new PolicyStatement({
      actions: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
      resources: [bucket.bucketArn, `${bucket.bucketArn}/*`],
    }),
    new PolicyStatement({
      actions: [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ],
      resources: [results.bucketArn, `${results.bucketArn}/*`],
    }),
  ];

  return { bucket, results, database, table, delivery, workGroup, queryStatements };
}
