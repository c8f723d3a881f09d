/**
 * The function handlers without any AWS adapter: what the local runtime runs on its event sources
 * (docs/architecture.md §2). Each factory takes the ports it needs; `entry-points/*.ts` wires
 * the same factories to the AWS adapters.
 */

// The contract the validate function judges by: `fleetline redrive --quarantine` judges with the same
// code the functions run (rebuilt by `fleetline dev --watch` after a contract change).
export { validate } from "@fleetline/core/telemetry";
export { createAlertsHandler, effectFailureLogger } from "./alerts-handler.js";
export { inputsOf, partialResponse, poisonRecord, streamHandler } from "./batch-response.js";
export { createConfirmHandler } from "./confirm-handler.js";
export { createPresenceHandler } from "./presence-handler.js";
export { createProvisioningHookHandler } from "./provisioning-hook-handler.js";
export { createStoreHandler } from "./store-handler.js";
export { createSweepHandler } from "./sweep-handler.js";
export { createValidateHandler } from "./validate-handler.js";
