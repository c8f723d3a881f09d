import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";

/** A Kinesis-triggered Lambda handler, exactly as deployed. */
export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse | undefined> | Promise<void>;

/** A handler that ran past its timeout: its result is ignored, as Lambda ignores a timed-out run. */
export class InvocationTimeoutError extends Error {
  override readonly name = "InvocationTimeoutError";
}

const TIMED_OUT = Symbol("timed out");

/**
 * Invokes one shard's handler, one invocation at a time, with Lambda's timeout. Lambda ends a
 * timed-out invocation by stopping its execution environment; a promise in this process cannot be
 * stopped, so the timed-out invocation is abandoned — its result ignored, the batch counted as
 * failed — and the next invocation on the shard (its retry) starts only once the abandoned one has
 * returned. Two batches of one shard never run at once.
 */
export class ShardInvoker {
  private abandoned: Promise<void> | undefined;
  /** Since when the shard waits for an abandoned invocation to return (epoch ms). */
  waitingSince: number | undefined;

  constructor(
    private readonly handler: KinesisHandler,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async invoke(event: KinesisStreamEvent, context: (deadline: number) => Context): Promise<unknown> {
    if (this.abandoned) {
      this.waitingSince = this.now();
      await this.abandoned;
      this.abandoned = undefined;
      this.waitingSince = undefined;
    }
    // No timeout (0): a developer stopped at a breakpoint keeps the batch, nothing times out.
    const deadline = this.timeoutMs > 0 ? Date.now() + this.timeoutMs : Number.MAX_SAFE_INTEGER;
    const run = Promise.resolve().then((): Promise<unknown> => this.handler(event, context(deadline)));
    if (this.timeoutMs <= 0) return run;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.timeoutMs);
    });
    try {
      const result = await Promise.race([run, timedOut]);
      if (result !== TIMED_OUT) return result;
      this.abandoned = run.then(
        () => undefined,
        () => undefined,
      );
      throw new InvocationTimeoutError(`Task timed out after ${this.timeoutMs} ms`);
    } finally {
      clearTimeout(timer);
    }
  }
}
