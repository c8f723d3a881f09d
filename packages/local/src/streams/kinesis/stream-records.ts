import { existsSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Stream } from "node:stream";
import type { LogEntry, RecordValue } from "./segment-frames.js";
import { ShardLog } from "./shard-log.js";

const require = createRequire(import.meta.url);
const { Lock } = require("lock") as { Lock: () => unknown };

type Callback = (error?: Error | null) => void;
export type Operation = { type: "put"; key: string; value: RecordValue } | { type: "del"; key: string };
interface Range {
  gt?: string;
  gte?: string;
  lt?: string;
}

/** kinesalite's record key: the shard's index in 8 hex digits, "/", the sequence number. */
function parseKey(key: string): { shard: number; seq: string | undefined } {
  const slash = key.indexOf("/");
  const shard = Number.parseInt(slash < 0 ? key : key.slice(0, slash), 16);
  return { shard, seq: slash < 0 ? undefined : key.slice(slash + 1) };
}

const later = (callback: Callback, error?: Error) => queueMicrotask(() => callback(error ?? null));

/**
 * The records of every stream, a `ShardLog` per shard, under `dir` (in memory without it). Each
 * stream is offered to kinesalite's actions as the part of LevelDB's API they use on a stream's
 * records — `put`, `batch`, `createReadStream` and a lock — so every Kinesis operation, over HTTP or
 * in this process, reads and writes the same logs.
 */
export class StreamRecords {
  private readonly streams = new Map<string, StreamShards>();

  constructor(
    private readonly dir: string | undefined,
    /** A stream's retention, when its description is at hand. */
    private readonly retentionMs: (stream: string) => number | undefined = () => undefined,
  ) {}

  /** What kinesalite's `getStreamDb(name)` returns. */
  stream(name: string): StreamShards {
    let found = this.streams.get(name);
    if (!found) {
      // Stream names are [a-zA-Z0-9_.-]: the prefix keeps "." and ".." from being paths.
      found = new StreamShards(this.dir === undefined ? undefined : join(this.dir, `stream-${name}`), () =>
        this.retentionMs(name),
      );
      this.streams.set(name, found);
    }
    return found;
  }

  /** Deletes a stream's records (DeleteStream). */
  async drop(name: string): Promise<void> {
    const stream = this.stream(name);
    this.streams.delete(name);
    await stream.close(true);
  }

  /** Makes every record appended so far durable. */
  async sync(): Promise<void> {
    await Promise.all([...this.streams.values()].map((stream) => stream.sync()));
  }

  async close(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(streams.map((stream) => stream.close(false)));
  }
}

/** One stream's shards, as kinesalite's actions call a stream's LevelDB sublevel. */
export class StreamShards {
  readonly lock = Lock();
  private readonly shards = new Map<number, ShardLog>();

  constructor(
    private readonly dir: string | undefined,
    private readonly retentionMs: () => number | undefined = () => undefined,
  ) {}

  shard(index: number): ShardLog {
    let log = this.shards.get(index);
    if (!log) {
      log = new ShardLog(
        this.dir === undefined ? undefined : join(this.dir, `shard-${index}`),
        this.retentionMs,
      );
      this.shards.set(index, log);
    }
    return log;
  }

  put(key: string, value: RecordValue, options: unknown, callback?: Callback): void {
    this.batch([{ type: "put", key, value }], options, callback);
  }

  batch(operations: Operation[], options: unknown, callback?: Callback): void {
    const done = (callback ?? options) as Callback;
    try {
      this.apply(operations);
      later(done);
    } catch (error) {
      later(done, error as Error);
    }
  }

  /** Puts (appended to their shards' logs, one write per shard) and deletes (forgotten), at once. */
  apply(operations: readonly Operation[]): void {
    const appends = new Map<number, LogEntry[]>();
    for (const operation of operations) {
      const { shard, seq } = parseKey(operation.key);
      if (seq === undefined) continue;
      if (operation.type === "del") {
        this.shard(shard).forgetThrough(seq);
        continue;
      }
      const entries = appends.get(shard) ?? [];
      if (entries.length === 0) appends.set(shard, entries);
      entries.push({ seq, value: operation.value });
    }
    for (const [shard, entries] of appends) this.shard(shard).append(entries);
  }

  /** A shard's records in a key range, as LevelDB's read stream gives them: `{ key, value }`. */
  createReadStream(range: Range): Stream {
    const lower = (range.gte ?? range.gt) as string;
    const { shard, seq } = parseKey(lower);
    const prefix = lower.slice(0, 8);
    const records = this.shard(shard).read(seq, range.gte !== undefined);
    return new RecordStream(records, prefix);
  }

  async sync(): Promise<void> {
    await Promise.all([...this.shards.values()].map((log) => log.sync()));
  }

  /** Closes its shards' files; `remove` deletes them (the stream was deleted). */
  async close(remove: boolean): Promise<void> {
    const logs = [...this.shards.values()];
    this.shards.clear();
    // Moved aside at once, to "deleting-stream-…" (never a stream's directory): a stream created again
    // under the name starts in a directory of its own while this one's files close.
    const gone =
      remove && this.dir !== undefined && existsSync(this.dir)
        ? join(dirname(this.dir), `deleting-${basename(this.dir)}`)
        : undefined;
    if (gone !== undefined) {
      rmSync(gone, { recursive: true, force: true });
      renameSync(this.dir as string, gone);
    }
    await Promise.all(logs.map((log) => log.close()));
    if (gone !== undefined) rmSync(gone, { recursive: true, force: true });
  }
}

/**
 * What `createReadStream` returns: emits each record as `data` (a copy: kinesalite's actions
 * annotate what they read), then `end`, until destroyed — read lazily, so a reader that takes a
 * hundred records reads a hundred. A `Stream`, as kinesalite's `lazy` takes a stream's `data` only
 * once from one.
 */
class RecordStream extends Stream {
  private destroyed = false;

  constructor(
    private readonly records: Generator<LogEntry>,
    private readonly prefix: string,
  ) {
    super();
    queueMicrotask(() => this.flow());
  }

  private flow(): void {
    try {
      for (const entry of this.records) {
        if (this.destroyed) return;
        this.emit("data", { key: `${this.prefix}/${entry.seq}`, value: { ...entry.value } });
      }
    } catch (error) {
      if (!this.destroyed) this.emit("error", error);
      return;
    }
    if (!this.destroyed) this.emit("end");
  }

  destroy(): void {
    this.destroyed = true;
  }
}
