import {
  type Command,
  type CommandLedger,
  type CommandQuery,
  type CommandStatus,
  commandPosition,
} from "@fleetline/core/commands";
import { byPosition, type Page, pageOf } from "@fleetline/core/common";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** The command ledger in memory. */
export class MemoryCommandLedger implements CommandLedger {
  private readonly rows = new Map<string, Command>();

  static create(): WithFailures<MemoryCommandLedger> {
    return withFailures(new MemoryCommandLedger(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async add(command: Command): Promise<void> {
    if (!this.rows.has(command.id)) this.rows.set(command.id, structuredClone(command));
  }

  async get(id: string): Promise<Command | undefined> {
    const command = this.rows.get(id);
    return command && structuredClone(command);
  }

  async pending(thing: string): Promise<Command[]> {
    return [...this.rows.values()]
      .filter((c) => c.thing === thing && c.status === "pending")
      .sort(byPosition(commandPosition))
      .reverse()
      .map((c) => structuredClone(c));
  }

  async due(now: number, limit: number): Promise<Command[]> {
    return [...this.rows.values()]
      .filter((c) => c.status === "pending" && c.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit)
      .map((c) => structuredClone(c));
  }

  async transition(next: Command, from: CommandStatus): Promise<boolean> {
    if (this.rows.get(next.id)?.status !== from) return false;
    this.rows.set(next.id, structuredClone(next));
    return true;
  }

  async page(query: CommandQuery): Promise<Page<Command>> {
    const matching = [...this.rows.values()]
      .filter((c) => !query.thing || c.thing === query.thing)
      .sort(byPosition(commandPosition));
    return structuredClone(pageOf(matching, commandPosition, query));
  }
}
