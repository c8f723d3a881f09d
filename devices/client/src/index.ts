export * from "./aws-iot-transport.js";
export * from "./backoff.js";
export * from "./device-client.js";
export * from "./message-buffer.js";
export * from "./mqtt-transport.js";
export * from "./seq-store.js";
export type * from "./transport.js";
