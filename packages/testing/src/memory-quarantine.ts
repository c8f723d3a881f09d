import { byPosition, type Page, type PageRequest, pageOf } from "@fleetline/core/common";
import {
  type Quarantine,
  type QuarantineEntry,
  type QuarantineFilter,
  quarantineMatches,
  quarantinePosition,
} from "@fleetline/core/telemetry";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** Quarantined messages in memory, one per messageId. */
export class MemoryQuarantine implements Quarantine {
  private readonly rows = new Map<string, QuarantineEntry>();

  static create(): WithFailures<MemoryQuarantine> {
    return withFailures(new MemoryQuarantine(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async put(entries: readonly QuarantineEntry[]): Promise<number> {
    let added = 0;
    for (const entry of entries) {
      if (this.rows.has(entry.messageId)) continue;
      this.rows.set(entry.messageId, structuredClone(entry));
      added += 1;
    }
    return added;
  }

  async page(request: PageRequest): Promise<Page<QuarantineEntry>> {
    const sorted = [...this.rows.values()].sort(byPosition(quarantinePosition));
    return structuredClone(pageOf(sorted, quarantinePosition, request));
  }

  async select(filter: QuarantineFilter, limit: number): Promise<QuarantineEntry[]> {
    const oldestFirst = [...this.rows.values()].sort(byPosition(quarantinePosition)).reverse();
    return structuredClone(oldestFirst.filter((entry) => quarantineMatches(entry, filter)).slice(0, limit));
  }

  async remove(entries: readonly QuarantineEntry[]): Promise<void> {
    for (const entry of entries) this.rows.delete(entry.messageId);
  }

  async count(filter: QuarantineFilter = {}): Promise<number> {
    return [...this.rows.values()].filter((entry) => quarantineMatches(entry, filter)).length;
  }
}
