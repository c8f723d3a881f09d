import { fleetlineError } from "@fleetline/core/common";
import type { InvocationRecord, InvocationTrigger } from "@fleetline/core/console";
import type { FunctionInvoker } from "@fleetline/core/redrive";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { lambdaContext } from "../event-sources/kinesis-event.js";
import type { InvocationLog } from "./invocation-log.js";

/** Any of the runtime's functions: a stream consumer, an asynchronously invoked or a scheduled one. */
export type FunctionHandler = (event: never, context: Context) => Promise<unknown>;

interface Defined {
  handler: FunctionHandler;
  region: string;
  timeoutMs: number;
}

function isKinesisEvent(event: unknown): event is KinesisStreamEvent {
  return Array.isArray((event as KinesisStreamEvent | undefined)?.Records);
}

/** A stream batch's shard, size and sequence numbers, read from the event as Lambda built it. */
function batchOf(event: unknown): Partial<InvocationRecord> {
  if (!isKinesisEvent(event) || event.Records.length === 0) return {};
  const first = event.Records[0];
  const last = event.Records.at(-1);
  return {
    // An event written by hand (a replay, a redrive) may lack what Lambda sets.
    shardId: first?.eventID?.split(":")[0] as string,
    batchSize: event.Records.length,
    firstSequenceNumber: first?.kinesis?.sequenceNumber as string,
    lastSequenceNumber: last?.kinesis?.sequenceNumber as string,
  };
}

function outcome(result: unknown): Pick<InvocationRecord, "status" | "failedItems"> {
  const failures = (result as KinesisStreamBatchResponse | undefined)?.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0)
    return { status: "partial", failedItems: failures.map((f) => String(f.itemIdentifier)) };
  return { status: "ok" };
}

/**
 * The runtime's functions by name. Each is invoked through a stable entry point that runs the
 * function's current code (which `swap` replaces between invocations: `fleetline dev --watch`) and
 * records the invocation in the log; `replay` runs a recorded event again on the current code.
 */
export class LocalFunctions implements FunctionInvoker {
  private readonly defined = new Map<string, Defined>();

  constructor(readonly log: InvocationLog) {}

  /** Registers a function; returns the entry point its trigger calls. */
  define<E, R>(
    functionName: string,
    handler: (event: E, context: Context) => Promise<R>,
    options: {
      trigger: Exclude<InvocationTrigger, "replay" | "redrive">;
      region: string;
      timeoutMs?: number;
    },
  ): (event: E, context?: Context) => Promise<R> {
    this.defined.set(functionName, {
      handler: handler as unknown as FunctionHandler,
      region: options.region,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    // A trigger without a context of its own (the async invoker, the schedule) gets a fresh one, as Lambda gives.
    return (event, context) =>
      this.start(functionName, event, context ?? this.context(functionName), options.trigger)
        .result as Promise<R>;
  }

  /** The next invocation of `functionName` runs `handler`; the one running now finishes on the old code. */
  swap(functionName: string, handler: FunctionHandler): void {
    const defined = this.defined.get(functionName);
    if (!defined) throw fleetlineError("NOT_FOUND", `no function named ${functionName}`);
    defined.handler = handler;
  }

  private context(functionName: string): Context {
    const { region, timeoutMs } = this.defined.get(functionName) as Defined;
    return lambdaContext(
      functionName,
      region,
      timeoutMs > 0 ? Date.now() + timeoutMs : Number.MAX_SAFE_INTEGER,
    );
  }

  names(): string[] {
    return [...this.defined.keys()];
  }

  async has(functionName: string): Promise<boolean> {
    return this.defined.has(functionName);
  }

  /**
   * FunctionInvoker: runs `functionName` with `event` on its current code, synchronously (a redrive,
   * a provisioning hook), recorded as such; a failure's message starts with the invocation's id, to look up.
   */
  async invoke(
    functionName: string,
    event: unknown,
    trigger: Exclude<InvocationTrigger, "replay"> = "redrive",
  ): Promise<unknown> {
    if (!this.defined.has(functionName))
      throw fleetlineError("NOT_FOUND", `no function named ${functionName}`);
    const { record, result } = this.start(functionName, event, this.context(functionName), trigger);
    try {
      return await result;
    } catch (error) {
      throw new Error(`${record.id}: ${(error as Error).message}`, { cause: error });
    }
  }

  private start(
    functionName: string,
    event: unknown,
    context: Context,
    trigger: InvocationTrigger,
    replayOf?: string,
  ): { record: InvocationRecord; result: Promise<unknown> } {
    const { handler } = this.defined.get(functionName) as Defined;
    const record = this.log.begin({
      functionName,
      trigger,
      ...(replayOf ? { replayOf } : {}),
      ...batchOf(event),
      event,
    });
    return { record, result: this.log.run(record, () => handler(event as never, context), outcome) };
  }

  /**
   * Runs the event of invocation `id` again, on the function's current code, with a fresh
   * context; resolves with the new invocation's record (its status may be an error).
   */
  async replay(id: string): Promise<InvocationRecord> {
    const recorded = this.log.get(id);
    if (!recorded)
      throw fleetlineError(
        "NOT_FOUND",
        `no invocation ${id}: only the last ${this.log.perFunction} of each function are kept, and none across a restart`,
      );
    const defined = this.defined.get(recorded.functionName);
    if (!defined) throw fleetlineError("NOT_FOUND", `no function named ${recorded.functionName}`);
    const { record, result } = this.start(
      recorded.functionName,
      recorded.event,
      this.context(recorded.functionName),
      "replay",
      id,
    );
    // A failure is the new invocation's outcome, recorded with it.
    await result.catch(() => undefined);
    return record;
  }
}
