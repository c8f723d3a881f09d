import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { BatchOutcome, StreamInput } from "@fleetline/core";
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

/**
 * A Kinesis-triggered Lambda around one batch use case: decode the records, run it, log what will
 * be retried, answer with the partial batch response. Counting failures are logged, never thrown.
 */
export function streamHandler<P extends { onCounterError?: (error: unknown) => void }>(
  useCase: (inputs: StreamInput[], ports: P) => Promise<BatchOutcome>,
  ports: P,
  logger: Logger,
) {
  const withLogs: P = {
    ...ports,
    onCounterError: (error: unknown) => logger.warn("counters not updated", { error: error as Error }),
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const outcome = await useCase(inputsOf(event), withLogs);
    for (const [id, error] of outcome.failed)
      logger.warn("record will be retried", { sequenceNumber: id, error });
    return partialResponse(event, context, outcome);
  };
}
