export interface DeadLetter {
  messageId: string;
  body: unknown;
  sentAt: number;
}

/** A durable queue for what the pipeline could not process (SQS on AWS). */
export interface DeadLetterQueue {
  send(body: unknown, now?: number): Promise<string>;
  /** Oldest first. */
  list(limit: number): Promise<DeadLetter[]>;
  count(): Promise<number>;
  delete(messageId: string): Promise<void>;
}
