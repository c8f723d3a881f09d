export * from "./adapters/iot-alert-publisher.js";
export * from "./adapters/iot-data-shadow-gateway.js";
export * from "./adapters/kinesis-producer.js";
export * from "./adapters/sns-alert-publisher.js";
export * from "./alerts/alerts-handler.js";
export * from "./batch-response.js";
export * from "./store/store-handler.js";
export * from "./validate/validate-handler.js";
