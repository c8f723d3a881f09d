import type { Command } from "../commands/command.js";
import type { AlertRecord } from "./alert.js";

/**
 * What an alarm state owes the world after a change: its outbox. Effects are saved in the same
 * compare-and-set write as the state that owes them, carried out after it, in order, and removed
 * once done, so a crash or a failing service between the two never loses one, and a retry never
 * doubles one (each is keyed: the alert's id and status per channel, the command's id).
 */
export type Effect =
  /** Publish an alert record on one channel (`mqtt` locally and on AWS, `sns` on AWS). */
  | { id: string; kind: "publish"; channel: string; alert: AlertRecord }
  /** Record a command in the ledger, then send its desired state to the shadow with its clientToken. */
  | { id: string; kind: "command"; command: Command };
