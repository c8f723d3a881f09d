export * from "./adapters/kinesis-producer.js";
export * from "./batch-response.js";
export * from "./store/store-handler.js";
export * from "./validate/validate-handler.js";
