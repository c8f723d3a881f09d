export { describeAlertPublisherContract, type PublishedAlert } from "./alert-publisher.contract.js";
export { describeAlertStoreContract } from "./alert-store.contract.js";
export { describeCommandLedgerContract } from "./command-ledger.contract.js";
export { describeCountersContract } from "./counters.contract.js";
export { describeDeadLetterQueueContract } from "./dead-letter-queue.contract.js";
export { CONTRACT_FUNCTIONS, describeFunctionInvokerContract } from "./function-invoker.contract.js";
export {
  describeJobsReaderContract,
  type JobsReaderFixture,
  type SeededJob,
} from "./jobs-reader.contract.js";
export { describePresenceStoreContract } from "./presence-store.contract.js";
export { describeQuarantineContract } from "./quarantine.contract.js";
export { describeRedrivePoisonContract, type RedriveSource } from "./redrive-poison.contract.js";
export { describeRuleErrorRedriveContract, type PipelineOutcome } from "./rule-error-redrive.contract.js";
export { describeShadowGatewayContract } from "./shadow-gateway.contract.js";
export { describeStreamReaderContract, type StreamReaderFixture } from "./stream-reader.contract.js";
export {
  describeTelemetryStoreContract,
  freestyleRecord,
  type TelemetryStoreFixture,
  type TelemetryStoreTraits,
} from "./telemetry-store.contract.js";
export { describeThingRegistryContract } from "./thing-registry.contract.js";
