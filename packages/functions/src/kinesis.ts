/**
 * The Kinesis stream producer alone (with PutRecords' limits) and the stream reader: the IoT
 * rule's Kinesis action, the validate function and a redrive use them locally, against the
 * Kinesis emulator.
 */
export * from "./adapters/kinesis-limits.js";
export * from "./adapters/kinesis-producer.js";
export * from "./adapters/kinesis-stream-reader.js";
