import { Worker } from "node:worker_threads";

/** One statement of several sent together (`steps`). */
export type Step =
  | { op: "run" | "all"; sql: string; params?: unknown }
  | { op: "append"; table: string; rows: ReadonlyArray<readonly unknown[]>; into?: "temp" | "main" };

type Request =
  | { op: "connect" }
  | { op: "run" | "all"; connection: number; sql: string; params?: unknown }
  | { op: "append"; connection: number; table: string; rows: ReadonlyArray<readonly unknown[]> }
  | { op: "steps"; connection: number; steps: readonly Step[] }
  | { op: "disconnect"; connection: number }
  | { op: "close" };

interface Reply {
  id: number;
  value?: unknown;
  error?: { name: string; message: string };
}

const THREAD = new URL("./duckdb-thread.mjs", import.meta.url);

/** DuckDB's error as the node API raises it: its message (e.g. `Constraint Error: …`), its name. */
function raised(error: { name: string; message: string }): Error {
  return Object.assign(new Error(error.message), { name: error.name });
}

/**
 * The thread that owns the DuckDB database (`duckdb-thread.mjs`), and the requests awaiting its
 * answer. It keeps the process alive only while a request is out, as the node API's own threads do.
 */
export class DatabaseThread {
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private next = 1;
  private stopped: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (reply: Reply) => this.settle(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`the database thread exited (code ${code})`)));
    worker.unref();
  }

  /** Opens `path` (a file, or `:memory:`) on a new thread; rejects as DuckDB refuses it (a lock …). */
  static async open(path: string): Promise<DatabaseThread> {
    const worker = new Worker(THREAD, { workerData: { path } });
    const opened = await new Promise<Reply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    if (opened.error) {
      await worker.terminate();
      throw raised(opened.error);
    }
    return new DatabaseThread(worker);
  }

  call<T>(request: Request): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.next++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error) waiting.reject(raised(reply.error));
    else waiting.resolve(reply.value);
  }

  private fail(error: Error): void {
    this.stopped ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /** Closes the database (every connection, then the file) and ends the thread. */
  async close(): Promise<void> {
    await this.call({ op: "close" });
    this.stopped = new Error("the database is closed");
    await this.worker.terminate();
  }
}
