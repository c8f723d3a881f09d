/**
 * The function handlers without any AWS adapter: what the local runtime runs on its event sources
 * (docs/architecture.md, "Packages"). Each factory takes the ports it needs; `lambda/*.ts` wires
 * the same factories to the AWS adapters.
 */

// The contract the validate function judges by: `fleetline redrive --quarantine` judges with the same
// code the functions run (rebuilt by `fleetline dev --watch` after a contract change).
export { validate } from "@fleetline/core";
export * from "./alerts/alerts-handler.js";
export * from "./batch-response.js";
export * from "./commands/confirm-handler.js";
export * from "./commands/sweep-handler.js";
export * from "./store/store-handler.js";
export * from "./validate/validate-handler.js";
