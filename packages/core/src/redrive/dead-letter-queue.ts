import type { SortPosition } from "../common/paging.js";

export interface DeadLetter {
  messageId: string;
  body: unknown;
  sentAt: number;
}

/** Where a message sorts: by the time it was sent, then its id. */
export function deadLetterPosition(message: DeadLetter): SortPosition {
  return { at: message.sentAt, id: message.messageId };
}

/** A durable queue for what the pipeline could not process (SQS on AWS). */
export interface DeadLetterQueue {
  send(body: unknown, now?: number): Promise<string>;
  /** Oldest first (by sent time, then id); with `after`, only the messages sorting after it. */
  list(limit: number, after?: SortPosition): Promise<DeadLetter[]>;
  count(): Promise<number>;
  /** Deletes a message; rejects (NOT_FOUND) when the queue does not have it, so nothing counts as done that was not. */
  delete(messageId: string): Promise<void>;
}
