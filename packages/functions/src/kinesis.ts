/**
 * The Kinesis stream producer alone (with PutRecords' limits): the IoT rule's Kinesis action and
 * the validate function write through it locally, against the Kinesis emulator.
 */
export * from "./adapters/kinesis-limits.js";
export * from "./adapters/kinesis-producer.js";
