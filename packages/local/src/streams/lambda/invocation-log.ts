import { AsyncLocalStorage } from "node:async_hooks";
import type { InvocationRecord, InvocationStatus, LogLine } from "@fleetline/core/console";

export interface InvocationQuery {
  functionName?: string;
  status?: InvocationStatus;
  limit?: number;
  /** The `next` of a previous page: only invocations older than it. */
  cursor?: string;
}

const MAX_LOG_LINES = 500;
const MAX_LINE_CHARS = 4_096;

const current = new AsyncLocalStorage<InvocationRecord>();
let capturing = false;

/**
 * Tees what is written to stdout and stderr during an invocation into its record: a handler's
 * logger (Powertools) and `console` both write there. Installed once; outside an invocation it
 * only passes the write on.
 */
function captureOutput(): void {
  if (capturing) return;
  capturing = true;
  for (const stream of ["stdout", "stderr"] as const) {
    const target = process[stream];
    const write = target.write.bind(target) as (...args: unknown[]) => boolean;
    target.write = ((chunk: unknown, ...rest: unknown[]) => {
      const record = current.getStore();
      if (record) keepOutput(record, stream, chunk);
      return write(chunk, ...rest);
    }) as typeof target.write;
  }
}

function keepOutput(record: InvocationRecord, stream: LogLine["stream"], chunk: unknown): void {
  const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (record.logs.length >= MAX_LOG_LINES) {
      record.logsDropped += 1;
      continue;
    }
    record.logs.push({ at: Date.now(), stream, line: line.slice(0, MAX_LINE_CHARS) });
  }
}

/**
 * The last `perFunction` invocations of every function, newest first: what ran, on what, for how
 * long, what it returned or threw, and what it logged. In memory: the console is for the
 * developer at the keyboard, like the SST console's invocation list.
 */
export class InvocationLog {
  private readonly byFunction = new Map<string, InvocationRecord[]>();
  private readonly byId = new Map<string, InvocationRecord>();
  private sequence = 0;
  private readonly listeners = new Set<(record: InvocationRecord) => void>();

  constructor(readonly perFunction = 200) {
    captureOutput();
  }

  /** Starts recording an invocation (status "running"); `run` runs it. */
  begin(
    start: Omit<InvocationRecord, "id" | "startedAt" | "status" | "logs" | "logsDropped">,
  ): InvocationRecord {
    this.sequence += 1;
    const record: InvocationRecord = {
      ...start,
      id: `${Date.now().toString(36)}-${this.sequence.toString(36).padStart(6, "0")}`,
      startedAt: Date.now(),
      status: "running",
      logs: [],
      logsDropped: 0,
    };
    this.keep(record);
    return record;
  }

  /** Runs `work` as the invocation `record`: its output captured, its outcome recorded by `settle`. */
  async run<T>(
    record: InvocationRecord,
    work: () => Promise<T>,
    settle: (result: T) => Pick<InvocationRecord, "status" | "failedItems">,
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await current.run(record, work);
      Object.assign(record, settle(result));
      return result;
    } catch (error) {
      record.status = "error";
      record.error =
        error instanceof Error
          ? { type: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) }
          : { type: "Error", message: String(error) };
      throw error;
    } finally {
      record.durationMs = Math.round((performance.now() - started) * 100) / 100;
      for (const listener of this.listeners) listener(record);
    }
  }

  private keep(record: InvocationRecord): void {
    const list = this.byFunction.get(record.functionName) ?? [];
    this.byFunction.set(record.functionName, list);
    list.push(record);
    this.byId.set(record.id, record);
    while (list.length > this.perFunction) this.byId.delete((list.shift() as InvocationRecord).id);
  }

  /** The invocations kept of one function, oldest first. */
  of(functionName: string): readonly InvocationRecord[] {
    return this.byFunction.get(functionName) ?? [];
  }

  get(id: string): InvocationRecord | undefined {
    return this.byId.get(id);
  }

  /** Newest first; `next` is the cursor of the following page, when there is one. */
  list(query: InvocationQuery = {}): { items: InvocationRecord[]; next?: string } {
    const limit = query.limit ?? 50;
    const lists = query.functionName ? [this.of(query.functionName)] : [...this.byFunction.values()];
    const matching = lists
      .flat()
      .filter((r) => query.status === undefined || r.status === query.status)
      .filter((r) => query.cursor === undefined || r.id < query.cursor)
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = matching.slice(0, limit);
    const last = items.at(-1);
    return matching.length > limit && last ? { items, next: last.id } : { items };
  }

  /** Told of every invocation as it finishes (`fleetline logs --follow`). */
  onFinished(listener: (record: InvocationRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The functions that have run, with how many invocations are kept of each. */
  functions(): string[] {
    return [...this.byFunction.keys()].sort();
  }
}
