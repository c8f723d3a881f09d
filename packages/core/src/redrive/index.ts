// Redrive: taking what the pipeline set aside — dead letters, quarantined messages, rule errors — through it again.
export { type DeadLetter, type DeadLetterQueue, deadLetterPosition } from "./dead-letter-queue.js";
export type { FunctionInvoker } from "./function-invoker.js";
export { Redrive, type RedriveRound } from "./redrive.js";
export { decodeRun, type RedriveRun } from "./redrive-run.js";
export { confirmationEvent, telemetryEnvelope } from "./rule-outputs.js";
