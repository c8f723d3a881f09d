// Commands: shadow desired updates tracked in the command ledger until the device reports them, and the confirm use case.
export { Command, type CommandStatus, commandExpiresAt, commandPosition } from "./command.js";
export type { CommandLedger, CommandQuery } from "./command-ledger.js";
export { type ConfirmPorts, confirmDeliveries } from "./confirm-deliveries.js";
export type { JobDetailView, JobExecutionView, JobSummaryView, JobsReader } from "./jobs-reader.js";
export type { ShadowGateway } from "./shadow-gateway.js";
export {
  MAX_FIRMWARE_BYTES,
  readUpdateDocument,
  UPDATE_OPERATIONS,
  type UpdateDocument,
} from "./update-documents.js";
