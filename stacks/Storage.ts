import { stageNames } from "@fleetline/core/devices";
import { DYNAMODB_TABLES, type KeySchema, type TableSchema } from "@fleetline/functions/tables";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-timestream";
import type { StackContext } from "sst/constructs";
import { settingsOf } from "./lib/settings.js";
import { telemetryLake } from "./lib/telemetry-lake.js";

const keys = (schema: KeySchema) => ({
  partitionKey: { name: schema.partition, type: AttributeType.STRING },
  ...(schema.sort
    ? {
        sortKey: {
          name: schema.sort,
          type: schema.sortType === "number" ? AttributeType.NUMBER : AttributeType.STRING,
        },
      }
    : {}),
});

/** Timestream for LiveAnalytics (only for accounts that have it): magnetic-store writes on, so late records land. */
function timestream(stack: StackContext["stack"], stage: string, retain: RemovalPolicy) {
  const database = new CfnDatabase(stack, "TelemetryDatabase", { databaseName: stageNames(stage).fleet });
  const table = new CfnTable(stack, "TelemetryTable", {
    databaseName: database.ref,
    tableName: "telemetry",
    retentionProperties: {
      MemoryStoreRetentionPeriodInHours: "24",
      MagneticStoreRetentionPeriodInDays: "365",
    },
    magneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
  });
  table.applyRemovalPolicy(retain);
  database.applyRemovalPolicy(retain);
  /** `action` on the table, and endpoint discovery, which has no resource to scope to. */
  const statements = (action: "timestream:WriteRecords" | "timestream:Select") => [
    new PolicyStatement({ actions: [action], resources: [table.attrArn] }),
    new PolicyStatement({ actions: ["timestream:DescribeEndpoints"], resources: ["*"] }),
  ];
  return { database, table, statements };
}

/** The stage's telemetry target and its resources. */
export type StoredTelemetry =
  | { target: "lake"; lake: ReturnType<typeof telemetryLake>; latest: Table }
  | { target: "timestream"; timestream: ReturnType<typeof timestream> };

/**
 * Where the pipeline keeps things: telemetry in the lake (S3 + Athena, the default) or in
 * Timestream, as FLEETLINE_TELEMETRY says; DynamoDB for alarms, commands, the quarantine and each
 * thing's newest record — keys, indexes and TTL from `DYNAMODB_TABLES`, which the adapters query —
 * and SQS for what failed.
 */
export function Storage({ stack, app }: StackContext) {
  const retain = app.stage === "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const target = settingsOf(app).telemetry;

  const table = (id: string, schema: TableSchema) => {
    const created = new Table(stack, id, {
      ...keys(schema.key),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // What is finished (cleared alerts, idle alarm states, finished commands, old quarantine
      // entries) carries an expiry; DynamoDB deletes it after, at no cost.
      timeToLiveAttribute: schema.ttl,
      removalPolicy: retain,
    });
    for (const [indexName, index] of Object.entries(schema.indexes as Record<string, KeySchema>))
      created.addGlobalSecondaryIndex({
        indexName,
        ...keys(index),
        ...(index.include === undefined
          ? {}
          : index.include.length === 0
            ? { projectionType: ProjectionType.KEYS_ONLY }
            : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }),
      });
    return created;
  };
  const alarms = table("Alarms", DYNAMODB_TABLES.alarms);
  const commands = table("Commands", DYNAMODB_TABLES.commands);
  const quarantine = table("Quarantine", DYNAMODB_TABLES.quarantine);
  const presence = table("Presence", DYNAMODB_TABLES.presence);
  const telemetry: StoredTelemetry =
    target === "lake"
      ? {
          target,
          lake: telemetryLake(stack, app.stage, retain),
          latest: table("Latest", DYNAMODB_TABLES.latest),
        }
      : { target, timestream: timestream(stack, app.stage, retain) };

  const queue = (id: string) =>
    new Queue(stack, id, { encryption: QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
  const deadLetters = queue("DeadLetters");
  const ruleErrors = queue("RuleErrors");

  return { telemetry, alarms, commands, quarantine, presence, deadLetters, ruleErrors };
}
