import { stageNames } from "@fleetline/core";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-timestream";
import type { StackContext } from "sst/constructs";

/**
 * Where the pipeline keeps things: Timestream for telemetry (magnetic-store writes on, so late
 * records land), DynamoDB for alarms, commands and the quarantine, SQS for what failed.
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

  const table = (id: string, sortKey?: string) =>
    new Table(stack, id, {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: retain,
    });
  const alarms = table("Alarms", "sk");
  alarms.addGlobalSecondaryIndex({
    indexName: "byTime",
    partitionKey: { name: "gsi1pk", type: AttributeType.STRING },
    sortKey: { name: "gsi1sk", type: AttributeType.STRING },
  });
  const commands = table("Commands");
  commands.addGlobalSecondaryIndex({
    indexName: "byThing",
    partitionKey: { name: "thing", type: AttributeType.STRING },
    sortKey: { name: "createdAt", type: AttributeType.NUMBER },
  });
  const quarantine = table("Quarantine", "sk");

  const queue = (id: string) =>
    new Queue(stack, id, { encryption: QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
  const deadLetters = queue("DeadLetters");
  const ruleErrors = queue("RuleErrors");

  return { database, telemetry, alarms, commands, quarantine, deadLetters, ruleErrors };
}
