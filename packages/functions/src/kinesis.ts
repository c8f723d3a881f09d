/**
 * The Kinesis stream producer alone (with PutRecords' limits) and the stream reader: the IoT
 * rule's Kinesis action, the validate function and a redrive use them locally, against the
 * Kinesis emulator.
 */
export {
  KINESIS_LIMITS,
  kinesisEntryProblem,
  putRecordsRequests,
  requestErrorScope,
  retryableEntryError,
} from "./adapters/kinesis-limits.js";
export { KinesisStreamProducer, type ProducerOptions } from "./adapters/kinesis-producer.js";
export { KinesisStreamReader } from "./adapters/kinesis-stream-reader.js";
