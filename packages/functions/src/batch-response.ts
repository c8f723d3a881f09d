import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
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
