import type { Page, PageRequest } from "../common/paging.js";
import type { Command, CommandStatus } from "./command.js";

export interface CommandQuery extends PageRequest {
  thing?: string;
}

/**
 * Commands sent to devices through their shadows (docs/guide/operate.md, "Commands"): pending → delivered |
 * expired | failed. The rules of those moves live in core's use cases; a ledger stores, reads by
 * key and writes a move only if the command is still where the mover found it.
 */
export interface CommandLedger {
  /** Records a command; a second add of the same id keeps the first (an outbox may add it again). */
  add(command: Command): Promise<void>;
  get(id: string): Promise<Command | undefined>;
  /** The pending commands of a thing, oldest first. */
  pending(thing: string): Promise<Command[]>;
  /** Pending commands whose `expiresAt` ≤ `now`, soonest first, at most `limit`. */
  due(now: number, limit: number): Promise<Command[]>;
  /** Writes `next` only if the stored command's status is still `from`; false otherwise. */
  transition(next: Command, from: CommandStatus): Promise<boolean>;
  /** Commands newest first (by `createdAt`, then id), optionally of one thing. */
  page(query: CommandQuery): Promise<Page<Command>>;
}
