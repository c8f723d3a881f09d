export * from "./alert-publisher.contract.js";
export * from "./alert-store.contract.js";
export * from "./command-ledger.contract.js";
export * from "./counters.contract.js";
export * from "./dead-letter-queue.contract.js";
export * from "./quarantine.contract.js";
export * from "./telemetry-store.contract.js";
export * from "./thing-registry.contract.js";
