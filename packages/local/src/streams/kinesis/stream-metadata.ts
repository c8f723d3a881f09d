type Callback<T = unknown> = (error: Error | null | undefined, value?: T) => void;

/** kinesalite's metadata level (a LevelDB sublevel, JSON values) — the part its actions call. */
export interface MetaLevel {
  get(key: string, callback: Callback): void;
  put(key: string, value: unknown, callback: Callback): void;
  del(key: string, callback: Callback): void;
}

/**
 * The streams' metadata read from memory and written through to LevelDB: kinesalite reads a
 * stream's description on every call, and a producer's call rewrites it for the next sequence
 * index. `level` is kinesalite's level with reads cached; `sequencesOnly` also keeps in memory only
 * what a put of records changes — the next sequence index, which a restart recovers from the shard
 * logs themselves (`stream-recovery.ts`). Every read gets a copy: kinesalite's actions change what
 * they read.
 */
export class StreamMetadata {
  /** Each stream's description as JSON: every read parses its own copy (cheaper than cloning). */
  private readonly cache = new Map<string, string>();
  /** Writes per stream, so a read that was under way during a write does not cache what it read. */
  private readonly writes = new Map<string, number>();
  readonly level: MetaLevel;
  readonly sequencesOnly: MetaLevel;

  constructor(metaDb: MetaLevel) {
    const remember = (key: string, value: unknown) => {
      this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
      if (value === undefined) this.cache.delete(key);
      else this.cache.set(key, JSON.stringify(value));
    };
    this.level = Object.assign(Object.create(metaDb) as MetaLevel, {
      get: (key: string, callback: Callback) => this.read(key, metaDb.get.bind(metaDb), callback),
      del: (key: string, callback: Callback) => {
        remember(key, undefined);
        metaDb.del(key, callback);
      },
      put: (key: string, value: unknown, callback: Callback) => {
        remember(key, value);
        metaDb.put(key, value, callback);
      },
    });
    this.sequencesOnly = Object.assign(Object.create(this.level) as MetaLevel, {
      put: (key: string, value: unknown, callback: Callback) => {
        remember(key, value);
        queueMicrotask(() => callback(null));
      },
    });
  }

  /** A stream's retention (`RetentionPeriodHours`), when its description is in memory. */
  retentionMs(stream: string): number | undefined {
    const cached = this.cache.get(stream);
    if (cached === undefined) return undefined;
    const hours = (JSON.parse(cached) as { RetentionPeriodHours?: unknown }).RetentionPeriodHours;
    return typeof hours === "number" ? hours * 3_600_000 : undefined;
  }

  /** A stream's description from memory, or through `load` (kinesalite's own, with its errors). */
  read(key: string, load: (key: string, callback: Callback) => void, callback: Callback): void {
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      const value: unknown = JSON.parse(cached);
      queueMicrotask(() => callback(null, value));
      return;
    }
    const writes = this.writes.get(key) ?? 0;
    load(key, (error, value) => {
      if (!error && (this.writes.get(key) ?? 0) === writes) this.cache.set(key, JSON.stringify(value));
      callback(error, value);
    });
  }
}
