import { stageNames } from "@fleetline/core";
import { DYNAMODB_TABLES, type KeySchema, type TableSchema } from "@fleetline/functions/tables";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-timestream";
import type { StackContext } from "sst/constructs";

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

/**
 * Where the pipeline keeps things: Timestream for telemetry (magnetic-store writes on, so late
 * records land), DynamoDB for alarms, commands and the quarantine — keys, indexes and TTL from
 * `DYNAMODB_TABLES`, which the adapters query — and SQS for what failed.
 */
export function Storage({ stack, app }: StackContext) {
  const retain = app.stage === "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const database = new CfnDatabase(stack, "TelemetryDatabase", { databaseName: stageNames(app.stage).fleet });
  const telemetry = new CfnTable(stack, "TelemetryTable", {
    databaseName: database.ref,
    tableName: "telemetry",
    retentionProperties: {
      MemoryStoreRetentionPeriodInHours: "24",
      MagneticStoreRetentionPeriodInDays: "365",
    },
    magneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
  });
  telemetry.applyRemovalPolicy(retain);
  database.applyRemovalPolicy(retain);

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
    for (const [indexName, index] of Object.entries(schema.indexes))
      created.addGlobalSecondaryIndex({ indexName, ...keys(index) });
    return created;
  };
  const alarms = table("Alarms", DYNAMODB_TABLES.alarms);
  const commands = table("Commands", DYNAMODB_TABLES.commands);
  const quarantine = table("Quarantine", DYNAMODB_TABLES.quarantine);

  const queue = (id: string) =>
    new Queue(stack, id, { encryption: QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
  const deadLetters = queue("DeadLetters");
  const ruleErrors = queue("RuleErrors");

  return { database, telemetry, alarms, commands, quarantine, deadLetters, ruleErrors };
}
