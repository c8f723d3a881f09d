import {
  closeSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { compareSeq, decodeFrames, encodeFrames, type LogEntry } from "./segment-frames.js";

/** A segment is closed and a new one begun past this size. */
export const SEGMENT_BYTES = 2 * 1024 * 1024;
/** Closed segments kept decoded in memory, for readers a little behind. */
const CACHED_SEGMENTS = 1;
/** In memory (one segment), what arrived past the retention is looked for once per this many appends. */
const EXPIRY_APPENDS = 4096;

interface Segment {
  /** The sequence number of its first record: the file's name. */
  first: string;
  file?: string;
  bytes: number;
  /** Its records, when in memory (always for the open one). */
  entries?: LogEntry[];
  /** When its first record arrived (seconds since the epoch), once known. */
  firstArrival?: number;
}

const fsyncFile = (fd: number) =>
  new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * One shard's records, in the order of their sequence numbers: appended to a segment file (a new
 * one past `SEGMENT_BYTES`), the open segment's records in memory for the readers at the tail, a
 * closed one read back when a reader is behind. Without a directory, all in memory. What arrived
 * longer ago than the stream's retention (`retentionMs`) is forgotten whether anyone reads it or not,
 * as Kinesis does — on disk a whole segment at a time, once the next one began before the cutoff —
 * and whatever kinesalite deletes as a reader comes across it.
 */
export class ShardLog {
  private readonly segments: Segment[] = [];
  private fd: number | undefined;
  /** Descriptors written since the last sync (a closed segment's stays open until then). */
  private readonly unsynced = new Set<number>();
  private readonly retiring = new Set<number>();
  private newFiles = false;
  /** Records at or before this sequence number are forgotten. */
  private horizon: string | undefined;
  private readonly cache: Segment[] = [];
  private appendsSinceExpiry = 0;

  constructor(
    private readonly dir: string | undefined,
    /** The stream's retention, when known; past it records are forgotten. */
    private readonly retentionMs: () => number | undefined = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir)
      .filter((name) => name.endsWith(".seg"))
      .sort((a, b) => compareSeq(a, b));
    for (const name of names)
      this.segments.push({ first: name.slice(0, -4), file: join(dir, name), bytes: 0 });
    const last = this.segments.at(-1);
    if (last?.file) this.reopen(last);
  }

  /** The open segment read back, a crash's torn last frame cut off. */
  private reopen(segment: Segment): void {
    const file = segment.file as string;
    const { entries, validBytes } = decodeFrames(readFileSync(file));
    this.fd = openSync(file, "r+");
    ftruncateSync(this.fd, validBytes);
    segment.entries = entries;
    segment.bytes = validBytes;
    if (entries.length === 0) {
      closeSync(this.fd);
      this.fd = undefined;
      rmSync(file);
      this.segments.pop();
    }
  }

  /** The last record's sequence number. */
  lastSeq(): string | undefined {
    const last = this.segments.at(-1);
    return last ? this.load(last).at(-1)?.seq : undefined;
  }

  /** Appends records whose sequence numbers follow the last one's, in one write. */
  append(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    let open = this.segments.at(-1);
    const last = open?.entries?.at(-1)?.seq;
    if (last !== undefined && compareSeq((entries[0] as LogEntry).seq, last) <= 0)
      throw new Error(
        `sequence number ${(entries[0] as LogEntry).seq} is not after the shard's last, ${last}`,
      );
    const onDisk = this.dir !== undefined;
    if (!open || (onDisk && (this.fd === undefined || open.bytes >= SEGMENT_BYTES)))
      open = this.begin(entries[0] as LogEntry);
    if (this.fd !== undefined) {
      const frames = encodeFrames(entries);
      try {
        writeSync(this.fd, frames, 0, frames.length, open.bytes);
      } catch (error) {
        // A partial write (a full disk) must not leave half a frame before the next one.
        ftruncateSync(this.fd, open.bytes);
        throw error;
      }
      open.bytes += frames.length;
      this.unsynced.add(this.fd);
    }
    (open.entries as LogEntry[]).push(...entries);
    this.appendsSinceExpiry += 1;
    if (!onDisk && this.appendsSinceExpiry >= EXPIRY_APPENDS) this.expire();
  }

  /** Forgets what arrived before the retention's cutoff (see the class). */
  expire(): void {
    this.appendsSinceExpiry = 0;
    const retention = this.retentionMs();
    if (retention === undefined) return;
    const cutoff = (this.now() - retention) / 1000;
    if (this.dir === undefined) {
      const entries = this.segments[0]?.entries ?? [];
      let low = 0;
      let high = entries.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if ((entries[mid] as LogEntry).value.ApproximateArrivalTimestamp < cutoff) low = mid + 1;
        else high = mid;
      }
      if (low > 0) this.forgetThrough((entries[low - 1] as LogEntry).seq);
      return;
    }
    // A closed segment is all past the cutoff when the one after it began before it.
    while (this.segments.length > 1 && this.firstArrival(this.segments[1] as Segment) < cutoff) {
      this.drop(this.segments.shift() as Segment);
    }
  }

  /** When a segment's first record arrived: from memory, or its file's first frame. */
  private firstArrival(segment: Segment): number {
    if (segment.firstArrival !== undefined) return segment.firstArrival;
    let first = segment.entries?.[0];
    if (!first && segment.file !== undefined) {
      const fd = openSync(segment.file, "r");
      try {
        const length = Buffer.alloc(4);
        readSync(fd, length, 0, 4, 0);
        const frame = Buffer.alloc(length.readUInt32LE(0));
        readSync(fd, frame, 0, frame.length, 0);
        first = decodeFrames(frame).entries[0];
      } finally {
        closeSync(fd);
      }
    }
    // A segment that cannot say is kept.
    segment.firstArrival = first?.value.ApproximateArrivalTimestamp ?? Number.POSITIVE_INFINITY;
    return segment.firstArrival;
  }

  private drop(segment: Segment): void {
    if (segment.file) rmSync(segment.file, { force: true });
    const cached = this.cache.indexOf(segment);
    if (cached >= 0) this.cache.splice(cached, 1);
  }

  private begin(first: LogEntry): Segment {
    const segment: Segment = {
      first: first.seq,
      bytes: 0,
      entries: [],
      firstArrival: first.value.ApproximateArrivalTimestamp,
    };
    if (this.dir !== undefined) {
      if (this.fd !== undefined) {
        const closed = this.segments.at(-1) as Segment;
        this.retire(this.fd);
        this.keepDecoded(closed);
      }
      segment.file = join(this.dir, `${first.seq}.seg`);
      this.fd = openSync(segment.file, "w");
      this.newFiles = true;
    }
    this.segments.push(segment);
    if (this.dir !== undefined) this.expire();
    return segment;
  }

  private retire(fd: number): void {
    if (this.unsynced.has(fd)) this.retiring.add(fd);
    else closeSync(fd);
  }

  /** Keeps a closed segment's records for a reader just behind, forgetting the least recent. */
  private keepDecoded(segment: Segment): void {
    if (segment.file === undefined) return;
    this.cache.push(segment);
    while (this.cache.length > CACHED_SEGMENTS) {
      const dropped = this.cache.shift() as Segment;
      if (dropped !== this.segments.at(-1)) dropped.entries = undefined;
    }
  }

  private load(segment: Segment): LogEntry[] {
    if (segment.entries) return segment.entries;
    const entries = decodeFrames(readFileSync(segment.file as string)).entries;
    segment.entries = entries;
    this.keepDecoded(segment);
    return entries;
  }

  /**
   * The records from `from` on (after it when not `inclusive`; from the first without it), in
   * order, read a segment at a time as the caller goes on.
   */
  *read(from: string | undefined, inclusive: boolean): Generator<LogEntry> {
    const start = from === undefined ? 0 : this.segmentOf(from);
    for (let s = start; s < this.segments.length; s++) {
      const segment = this.segments[s] as Segment;
      const entries = this.load(segment);
      let i = s === start && from !== undefined ? firstAtOrAfter(entries, from) : 0;
      for (; i < entries.length; i++) {
        const entry = entries[i] as LogEntry;
        if (from !== undefined && !inclusive && entry.seq === from) continue;
        if (this.horizon !== undefined && compareSeq(entry.seq, this.horizon) <= 0) continue;
        yield entry;
      }
    }
  }

  /** The last segment whose first record is at or before `seq`. */
  private segmentOf(seq: string): number {
    let low = 0;
    let high = this.segments.length - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (compareSeq((this.segments[mid] as Segment).first, seq) <= 0) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /** Forgets the records up to `seq` (kinesalite deletes what is past retention as it reads it). */
  forgetThrough(seq: string): void {
    if (this.horizon === undefined || compareSeq(seq, this.horizon) > 0) this.horizon = seq;
    // A segment is all forgotten when the next one begins at or before the horizon.
    while (this.segments.length > 1 && compareSeq((this.segments[1] as Segment).first, seq) <= 0) {
      this.drop(this.segments.shift() as Segment);
    }
    const open = this.segments[0];
    if (open && !open.file && open.entries) {
      const keep = firstAtOrAfter(open.entries, seq);
      const cut = open.entries[keep]?.seq === seq ? keep + 1 : keep;
      open.entries.splice(0, cut);
    }
  }

  /**
   * Makes everything appended so far durable: an fsync of each file written since the last. Syncs
   * run one after another, so one that finds nothing left to do still waits for the one before,
   * which may hold its records.
   */
  sync(): Promise<void> {
    const next = this.syncing.then(
      () => this.syncNow(),
      () => this.syncNow(),
    );
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private syncing: Promise<void> = Promise.resolve();

  private async syncNow(): Promise<void> {
    const fds = [...this.unsynced];
    this.unsynced.clear();
    const directory = this.newFiles && this.dir !== undefined ? this.dir : undefined;
    this.newFiles = false;
    try {
      await Promise.all(fds.map(fsyncFile));
      if (directory !== undefined) {
        const dirFd = openSync(directory, "r");
        try {
          await fsyncFile(dirFd);
        } finally {
          closeSync(dirFd);
        }
      }
    } catch (error) {
      for (const fd of fds) this.unsynced.add(fd);
      if (directory !== undefined) this.newFiles = true;
      throw error;
    }
    for (const fd of fds) {
      if (this.retiring.delete(fd)) closeSync(fd);
    }
  }

  /** Closes its files, once the sync under way (if any) is done with them. */
  async close(): Promise<void> {
    await this.syncing;
    for (const fd of this.retiring) closeSync(fd);
    this.retiring.clear();
    this.unsynced.clear();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The index of the first entry at or after `seq` (entries are in order). */
function firstAtOrAfter(entries: readonly LogEntry[], seq: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareSeq((entries[mid] as LogEntry).seq, seq) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
