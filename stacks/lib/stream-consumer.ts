import { EVENT_SOURCE } from "@fleetline/core/pipeline";
import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import { StartingPosition } from "aws-cdk-lib/aws-lambda";
import { KinesisEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { Function as SstFunction } from "sst/constructs";

/**
 * A Kinesis consumer with the event-source settings of core's EVENT_SOURCE — never Lambda's
 * defaults, whose infinite retries let one poison record block a shard for a week — its
 * dead-letter queue for poison records, and an iterator-age alarm.
 */
export function consumeStream(scope: Construct, fn: SstFunction, stream: IStream, onFailure: IQueue): void {
  // A poison record goes to the same queue at once, from the function itself (docs/reference/errors.md).
  fn.addEnvironment("DEAD_LETTER_QUEUE_URL", onFailure.queueUrl);
  onFailure.grantSendMessages(fn);
  fn.addEventSource(
    new KinesisEventSource(stream, {
      batchSize: EVENT_SOURCE.batchSize,
      maxBatchingWindow: Duration.seconds(EVENT_SOURCE.awsBatchingWindowSeconds),
      startingPosition: StartingPosition.TRIM_HORIZON,
      reportBatchItemFailures: EVENT_SOURCE.reportBatchItemFailures,
      bisectBatchOnError: EVENT_SOURCE.bisectBatchOnFunctionError,
      retryAttempts: EVENT_SOURCE.maxRetryAttempts,
      maxRecordAge: Duration.seconds(EVENT_SOURCE.maxRecordAgeSeconds),
      parallelizationFactor: EVENT_SOURCE.parallelizationFactor,
      onFailure: new SqsDlq(onFailure),
    }),
  );
  new Alarm(scope, `${fn.node.id}IteratorAge`, {
    alarmDescription: `${fn.node.id} is falling behind its stream`,
    metric: new Metric({
      namespace: "AWS/Lambda",
      metricName: "IteratorAge",
      dimensionsMap: { FunctionName: fn.functionName },
      statistic: "Maximum",
      period: Duration.minutes(1),
    }),
    threshold: 5 * 60 * 1000,
    evaluationPeriods: 5,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
}
