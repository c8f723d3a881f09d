import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { isRedriveEvent, type RedriveResponse } from "@fleetline/core/aws";
import { recordDisposition } from "@fleetline/core/common";
import type { BatchOutcome, StreamInput } from "@fleetline/core/pipeline";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";

/** The records of a Kinesis event as use-case inputs: sequence number and decoded bytes. */
export function inputsOf(event: KinesisStreamEvent): StreamInput[] {
  return event.Records.map((record) => ({
    id: record.kinesis.sequenceNumber,
    data: Buffer.from(record.kinesis.data, "base64"),
  }));
}

/**
 * Turns a use case's outcome into Lambda's partial batch response with Powertools, in record
 * order (processInParallel: false keeps Kinesis ordering). When every record failed, Powertools
 * throws, so the event source sees a function error and bisects.
 */
export function partialResponse(
  event: KinesisStreamEvent,
  context: Context,
  outcome: BatchOutcome,
): Promise<KinesisStreamBatchResponse> {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return processPartialResponse(
    event,
    async (record: KinesisStreamRecord) => {
      const error = outcome.failed.get(record.kinesis.sequenceNumber);
      if (error) throw error;
    },
    processor,
    { context, processInParallel: false },
  );
}

/** What a stream consumer sends its dead-letter queue for a record retrying cannot help. */
export function poisonRecord(record: KinesisStreamRecord, functionName: string, error: Error) {
  return {
    condition: "PoisonRecord",
    functionName,
    error: { code: (error as { code?: string }).code ?? error.name, message: error.message },
    eventSourceARN: record.eventSourceARN,
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    dataBase64: record.kinesis.data,
  };
}

/**
 * The answer to a redrive's event: every record that failed again — poison too, which the redrive
 * keeps where it waited rather than have it dead-lettered anew — with its error; a fatal error
 * still fails the invocation.
 */
function redriveResponse(event: KinesisStreamEvent, outcome: BatchOutcome): RedriveResponse {
  const response: RedriveResponse = { batchItemFailures: [], fleetlineErrors: [] };
  for (const record of event.Records) {
    const itemIdentifier = record.kinesis.sequenceNumber;
    const error = outcome.failed.get(itemIdentifier);
    if (!error) continue;
    if (recordDisposition(error) === "fail-invocation") throw error;
    response.batchItemFailures.push({ itemIdentifier });
    response.fleetlineErrors.push({
      itemIdentifier,
      errorType: (error as { code?: string }).code ?? error.name,
      errorMessage: error.message,
    });
  }
  return response;
}

/**
 * A Kinesis-triggered Lambda around one batch use case: decode the records, run it, then act on
 * each failed record by its error's kind (docs/reference/errors.md): a transient failure is reported for
 * the event source to retry; a poison record goes to the dead-letter queue at once (retrying
 * cannot help, and it would hold up its shard); a fatal error fails the whole invocation.
 * Counting failures are logged, never thrown.
 */
export function streamHandler<P extends { onCounterError?: (error: unknown) => void }>(
  useCase: (inputs: StreamInput[], ports: P) => Promise<BatchOutcome>,
  ports: P,
  logger: Logger,
  deadLetters?: DeadLetterQueue,
) {
  const withLogs: P = {
    ...ports,
    onCounterError: (error: unknown) => logger.warn("counters not updated", { error: error as Error }),
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const outcome = await useCase(inputsOf(event), withLogs);
    if (isRedriveEvent(event)) return redriveResponse(event, outcome);
    const retry = new Map<string, Error>();
    for (const record of event.Records) {
      const sequenceNumber = record.kinesis.sequenceNumber;
      const error = outcome.failed.get(sequenceNumber);
      if (!error) continue;
      const disposition = recordDisposition(error);
      if (disposition === "fail-invocation") throw error;
      if (disposition === "dead-letter" && deadLetters) {
        try {
          await deadLetters.send(poisonRecord(record, context.functionName, error));
          logger.error("poison record sent to the dead-letter queue", { sequenceNumber, error });
          continue;
        } catch (sendError) {
          logger.warn("the dead-letter queue refused a poison record; it will be retried", {
            sequenceNumber,
            error: sendError as Error,
          });
        }
      }
      logger.warn("record will be retried", { sequenceNumber, error });
      retry.set(sequenceNumber, error);
    }
    return partialResponse(event, context, { failed: retry });
  };
}
