import { fleetlineError, type SortPosition, sortsAfter } from "@fleetline/core/common";
import { type DeadLetter, type DeadLetterQueue, deadLetterPosition } from "@fleetline/core/redrive";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** A dead-letter queue in memory, oldest first. */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  private readonly messages: DeadLetter[] = [];
  private sent = 0;

  static create(): WithFailures<MemoryDeadLetterQueue> {
    return withFailures(new MemoryDeadLetterQueue(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async send(body: unknown, now = 0): Promise<string> {
    this.sent += 1;
    const messageId = `dead-letter-${String(this.sent).padStart(6, "0")}`;
    this.messages.push({ messageId, body: structuredClone(body), sentAt: now });
    return messageId;
  }

  async list(limit: number, after?: SortPosition): Promise<DeadLetter[]> {
    const sorted = [...this.messages].sort(
      (a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : 1),
    );
    return structuredClone(sorted.filter((m) => sortsAfter(deadLetterPosition(m), after)).slice(0, limit));
  }

  async count(): Promise<number> {
    return this.messages.length;
  }

  async delete(messageId: string): Promise<void> {
    const index = this.messages.findIndex((message) => message.messageId === messageId);
    if (index < 0) throw fleetlineError("NOT_FOUND", `the queue has no message ${messageId}`);
    this.messages.splice(index, 1);
  }
}
