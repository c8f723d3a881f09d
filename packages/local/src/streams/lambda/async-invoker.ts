import { randomUUID } from "node:crypto";
import { type Clock, fleetlineError, systemClock } from "@fleetline/core/common";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import { abortableSleep } from "../../lib/abortable-sleep.js";

export type AsyncHandler = (event: unknown) => Promise<unknown>;

export interface AsyncInvokerOptions {
  /** Where an event goes when its retries run out (Lambda's on-failure destination). */
  onFailure: DeadLetterQueue;
  region: string;
  clock?: Clock;
  /** The wait before the first retry; the second waits twice as long (AWS: about 1 and 2 minutes). */
  retryDelayMs?: number;
  /** Invocations running at once. */
  concurrency?: number;
  onError?: (detail: { functionName: string; attempt: number; error: unknown }) => void;
}

export interface AsyncInvokerStats {
  invoked: number;
  failed: number;
  sentToOnFailure: number;
  queued: number;
  /** Invocations running now, retries waiting included. */
  running: number;
}

interface Invocation {
  functionName: string;
  event: unknown;
}

/**
 * Invocations running at once by default. Lambda runs asynchronous invocations side by side; here
 * they share the runtime's stores, which take what arrives together in one round (a fleet's
 * connect events: one presence statement per round, not per device).
 */
const DEFAULT_CONCURRENCY = 32;

/** Lambda retries a failed asynchronous invocation twice. */
const MAX_ATTEMPTS = 3;

/**
 * Lambda's asynchronous invocation, locally, for IoT rules' Lambda actions: `invoke` queues the
 * event and returns (the action succeeded once Lambda accepted it); the function runs it; a run
 * that throws is retried twice with backoff, then the event goes to the on-failure destination in
 * Lambda's destination record shape. Unlike Lambda's queue, events waiting here do not survive a
 * stop: what they would have done is caught up by the schedule (a command's confirmation is
 * checked again at its deadline).
 */
export class AsyncInvoker {
  readonly stats: AsyncInvokerStats = { invoked: 0, failed: 0, sentToOnFailure: 0, queued: 0, running: 0 };
  private readonly functions = new Map<string, AsyncHandler>();
  private readonly queue: Invocation[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: AsyncInvokerOptions) {}

  register(functionName: string, handler: AsyncHandler): void {
    this.functions.set(functionName, handler);
  }

  /** Accepts the event, as Lambda's Invoke with InvocationType Event; refuses an unknown function. */
  invoke(functionName: string, event: unknown): void {
    if (!this.functions.has(functionName))
      throw fleetlineError("NOT_FOUND", `Function not found: ${this.arn(functionName)}`);
    if (this.stopping.signal.aborted) throw fleetlineError("THROTTLED", "the runtime is stopping");
    this.queue.push({ functionName, event });
    this.stats.queued = this.queue.length;
    this.pump();
  }

  private pump(): void {
    while (this.running.size < (this.options.concurrency ?? DEFAULT_CONCURRENCY) && this.queue.length > 0) {
      const invocation = this.queue.shift() as Invocation;
      this.stats.queued = this.queue.length;
      const run: Promise<void> = this.run(invocation).finally(() => {
        this.running.delete(run);
        this.stats.running = this.running.size;
        this.pump();
      });
      this.running.add(run);
      this.stats.running = this.running.size;
    }
  }

  private arn(functionName: string): string {
    return `arn:aws:lambda:${this.options.region}:000000000000:function:${functionName}`;
  }

  private async run({ functionName, event }: Invocation): Promise<void> {
    const handler = this.functions.get(functionName) as AsyncHandler;
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        await abortableSleep((this.options.retryDelayMs ?? 1_000) * 2 ** (attempt - 2), this.stopping.signal);
        if (this.stopping.signal.aborted) return;
      }
      this.stats.invoked += 1;
      try {
        await handler(event);
        return;
      } catch (error) {
        lastError = error;
        this.stats.failed += 1;
        this.options.onError?.({ functionName, attempt, error });
      }
    }
    await this.sendToOnFailure(functionName, event, lastError);
  }

  private async sendToOnFailure(functionName: string, event: unknown, error: unknown): Promise<void> {
    const failure = error instanceof Error ? error : new Error(String(error));
    const now = (this.options.clock ?? systemClock).now();
    try {
      await this.options.onFailure.send(
        {
          version: "1.0",
          timestamp: new Date(now).toISOString(),
          requestContext: {
            requestId: randomUUID(),
            functionArn: `${this.arn(functionName)}:$LATEST`,
            condition: "RetriesExhausted",
            approximateInvokeCount: MAX_ATTEMPTS,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
          responsePayload: { errorType: failure.name, errorMessage: failure.message },
        },
        now,
      );
      this.stats.sentToOnFailure += 1;
    } catch (sendError) {
      this.options.onError?.({ functionName, attempt: MAX_ATTEMPTS, error: sendError });
    }
  }

  /** No new events; waits for the runs in progress (their retries are cut short). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.queue.length = 0;
    this.stats.queued = 0;
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
