import type { Command } from "../schema/command.js";

/** Commands sent to devices through their shadows: pending → delivered | expired (SPEC §2). */
export interface CommandLedger {
  add(command: Command): Promise<void>;
  list(filter: { thing?: string }): Promise<Command[]>;
  /** Marks pending commands of `thing` whose desired state `reported` now matches as delivered. */
  markDelivered(thing: string, reported: Record<string, unknown>, at: number): Promise<Command[]>;
  /** Marks pending commands past their `expiresAt` as expired. */
  expire(now: number): Promise<Command[]>;
}
