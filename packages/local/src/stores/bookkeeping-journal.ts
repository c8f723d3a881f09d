import { existsSync } from "node:fs";
import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { DiskFailures } from "../lib/disk-failures.js";
import { CallBatcher } from "./call-batcher.js";
import type { Database } from "./database.js";

/** Past this size the journal is rewritten as one entry holding what it adds up to. */
const COMPACT_BYTES = 1024 * 1024;

/** What one round adds: checkpoints (the newest per mapping and shard win) and counter increments. */
export interface JournalEntry {
  /** `[mapping, shardId, sequenceNumber]` */
  checkpoints?: Array<readonly [string, string, string]>;
  /** `[counter, increment]` */
  counts?: Array<readonly [string, number]>;
}

interface Write {
  entry: JournalEntry;
  /** Runs before the round that writes this entry, and fails the round if it fails. */
  before?: () => Promise<void>;
}

/** One entry as bytes: its JSON framed by its length at both ends, so a torn last one is recognised. */
function frame(entry: JournalEntry): Buffer {
  const json = Buffer.from(JSON.stringify(entry), "utf8");
  const out = Buffer.allocUnsafe(json.length + 8);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  out.writeUInt32LE(json.length, json.length + 4);
  return out;
}

/** The whole entries at the start of `bytes`, and where the first torn one begins. */
function entriesOf(bytes: Buffer): { entries: JournalEntry[]; validBytes: number } {
  const entries: JournalEntry[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    if (at + length + 8 > bytes.length || bytes.readUInt32LE(at + length + 4) !== length) break;
    try {
      entries.push(JSON.parse(bytes.toString("utf8", at + 4, at + 4 + length)) as JournalEntry);
    } catch {
      break;
    }
    at += length + 8;
  }
  return { entries, validBytes: at };
}

const checkpointKey = (mapping: string, shardId: string) => JSON.stringify([mapping, shardId]);

/**
 * The event sources' checkpoints and the pipeline's counters, written after every batch, in a
 * journal of their own (`<data dir>/bookkeeping.journal`, docs/architecture.md "Bookkeeping"): each
 * round of writes — everything that arrived while the last one was being made durable — is one
 * appended entry and one fsync, a fraction of a millisecond where a DuckDB transaction took several.
 * What the journal adds up to is kept in memory; a round is applied there only once it is on disk,
 * so nothing is ever read that a crash could take back. Without a path it lives in memory only.
 */
export class BookkeepingJournal {
  private readonly checkpoints = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly rounds = new CallBatcher<Write, undefined>((writes) => this.write(writes), Infinity);
  private size = 0;

  private constructor(
    private readonly path: string | undefined,
    private handle: FileHandle | undefined,
    private readonly disk: DiskFailures | undefined,
  ) {}

  /**
   * Opens the journal at `path` (or one in memory), cutting off an entry a crash tore. A data dir an
   * earlier version kept this bookkeeping in DuckDB's `checkpoints` and `counters` tables (`legacy`)
   * has them moved here, once.
   */
  static async open(
    path: string | undefined,
    options: { disk?: DiskFailures; legacy?: Database } = {},
  ): Promise<BookkeepingJournal> {
    if (path === undefined) return new BookkeepingJournal(undefined, undefined, options.disk);
    const existed = existsSync(path);
    const { entries, validBytes } = existed
      ? entriesOf(await readFile(path))
      : { entries: [], validBytes: 0 };
    const handle = await open(path, existed ? "r+" : "w+");
    const journal = new BookkeepingJournal(path, handle, options.disk);
    try {
      await handle.truncate(validBytes);
      journal.size = validBytes;
      for (const entry of entries) journal.apply(entry);
      if (!existed) await syncDirectory(path);
      if (options.legacy) await journal.moveLegacy(options.legacy, !existed);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return journal;
  }

  /** The last sequence number `mapping` finished on `shardId`, as last made durable. */
  checkpoint(mapping: string, shardId: string): string | undefined {
    return this.checkpoints.get(checkpointKey(mapping, shardId));
  }

  /** Every counter's total, as last made durable. */
  totals(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /**
   * Adds `entry` in the next round; resolves once that round is durable, or rejects with its error
   * (then nothing of the round counts). `before` runs before the round is written.
   */
  async add(entry: JournalEntry, before?: () => Promise<void>): Promise<void> {
    await this.rounds.call(before ? { entry, before } : { entry });
  }

  private async write(writes: readonly Write[]): Promise<undefined[]> {
    const befores = new Set(writes.flatMap((write) => (write.before ? [write.before] : [])));
    for (const before of befores) await before();
    const checkpoints = new Map<string, readonly [string, string, string]>();
    const counts = new Map<string, number>();
    for (const { entry } of writes) {
      for (const checkpoint of entry.checkpoints ?? [])
        checkpoints.set(checkpointKey(checkpoint[0], checkpoint[1]), checkpoint);
      for (const [name, n] of entry.counts ?? []) counts.set(name, (counts.get(name) ?? 0) + n);
    }
    const round: JournalEntry = { checkpoints: [...checkpoints.values()], counts: [...counts] };
    if (checkpoints.size === 0 && counts.size === 0) return writes.map(() => undefined);
    if (this.disk?.full) throw this.disk.noSpace(this.path ?? "bookkeeping.journal");
    if (this.handle) await this.append(frame(round));
    this.apply(round);
    if (this.size > COMPACT_BYTES) await this.compact();
    return writes.map(() => undefined);
  }

  /** Appends and fsyncs one entry; on failure the file is cut back to what it held before. */
  private async append(bytes: Buffer): Promise<void> {
    const handle = this.handle as FileHandle;
    try {
      await handle.write(bytes, 0, bytes.length, this.size);
      if (this.disk?.syncFails) throw this.disk.ioError(this.path as string);
      await handle.sync();
    } catch (error) {
      await handle.truncate(this.size);
      throw error;
    }
    this.size += bytes.length;
  }

  private apply(entry: JournalEntry): void {
    for (const [mapping, shardId, sequenceNumber] of entry.checkpoints ?? [])
      this.checkpoints.set(checkpointKey(mapping, shardId), sequenceNumber);
    for (const [name, n] of entry.counts ?? []) this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** Everything so far as one entry: written beside the journal, fsynced, then put in its place. */
  private snapshot(): JournalEntry {
    return {
      checkpoints: [...this.checkpoints].map(([key, seq]) => {
        const [mapping, shardId] = JSON.parse(key) as [string, string];
        return [mapping, shardId, seq] as const;
      }),
      counts: [...this.counts],
    };
  }

  private async compact(): Promise<void> {
    const path = this.path as string;
    const bytes = frame(this.snapshot());
    const next = await open(`${path}.compacting`, "w");
    try {
      await next.write(bytes, 0, bytes.length, 0);
      await next.sync();
    } finally {
      await next.close();
    }
    await rename(`${path}.compacting`, path);
    await syncDirectory(path);
    await this.handle?.close();
    this.handle = await open(path, "r+");
    this.size = bytes.length;
  }

  /** Takes the legacy tables' rows when the journal is new (else they were taken), then drops them. */
  private async moveLegacy(db: Database, take: boolean): Promise<void> {
    const tables = new Set(
      (
        await db.all<{ name: string }>(
          "SELECT table_name AS name FROM duckdb_tables() WHERE table_name IN ('checkpoints', 'counters')",
        )
      ).map((row) => row.name),
    );
    if (tables.size === 0) return;
    if (take) await this.add(await legacyEntry(db, tables));
    for (const table of tables) await db.run(`DROP TABLE ${table}`);
  }

  async close(): Promise<void> {
    await this.rounds.idle();
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** The rows of the legacy `checkpoints` and `counters` tables as one entry. */
async function legacyEntry(db: Database, tables: ReadonlySet<string>): Promise<JournalEntry> {
  return {
    checkpoints: tables.has("checkpoints")
      ? (
          await db.all<{ mapping: string; shard_id: string; sequence_number: string }>(
            "SELECT mapping, shard_id, sequence_number FROM checkpoints",
          )
        ).map((row) => [row.mapping, row.shard_id, row.sequence_number] as const)
      : [],
    counts: tables.has("counters")
      ? (await db.all<{ name: string; value: bigint }>("SELECT name, value FROM counters")).map(
          (row) => [row.name, Number(row.value)] as const,
        )
      : [],
  };
}

/** Makes a file's creation or replacement durable: an fsync of its directory. */
async function syncDirectory(file: string): Promise<void> {
  const dir = await open(dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
