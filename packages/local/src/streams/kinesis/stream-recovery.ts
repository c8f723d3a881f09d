import { createRequire } from "node:module";
import { parseSequence } from "./kinesalite-sequences.js";
import { compareSeq, type RecordValue } from "./segment-frames.js";
import type { StreamRecords } from "./stream-records.js";

const require = createRequire(import.meta.url);

interface Level {
  createReadStream(options?: object): NodeJS.ReadableStream;
  put(key: string, value: unknown, callback: (error?: Error | null) => void): void;
  batch(operations: Array<{ type: "del"; key: string }>, callback: (error?: Error | null) => void): void;
}
interface StreamMeta {
  Shards: unknown[];
  _seqIx: number[];
}

/** Every `{ key, value }` of a LevelDB range, in key order. */
function readAll<T>(level: Level): Promise<Array<{ key: string; value: T }>> {
  return new Promise((resolve, reject) => {
    const items: Array<{ key: string; value: T }> = [];
    level
      .createReadStream()
      .on("data", (item: { key: string; value: T }) => items.push(item))
      .on("error", reject)
      .on("end", () => resolve(items));
  });
}

const done = (resolve: () => void, reject: (error: Error) => void) => (error?: Error | null) =>
  error ? reject(error) : resolve();

/**
 * Brings the stream metadata in kinesalite's LevelDB level with the records in the shard logs, before
 * any request is served:
 * - records an earlier version kept in LevelDB itself move to the shard logs (then leave LevelDB);
 * - a stream's next sequence index (kept in its metadata, written without fsync) is moved past the
 *   last record of its shards, so a crash that kept a record but not the index never gives two
 *   records one sequence number.
 */
export async function recoverStreams(
  store: { db: unknown; metaDb: unknown },
  records: StreamRecords,
): Promise<void> {
  const sub = createRequire(require.resolve("kinesalite"))("subleveldown") as (
    db: unknown,
    prefix: string,
    options: object,
  ) => Level;
  const metaDb = store.metaDb as Level;
  for (const { key: name, value: meta } of await readAll<StreamMeta>(metaDb)) {
    const stream = records.stream(name);
    const legacy = sub(store.db, `stream-${name}`, { valueEncoding: "json" });
    const old = await readAll<RecordValue>(legacy);
    if (old.length > 0) {
      // What an interrupted move already put in a shard log is not put again.
      const lastOf = new Map<number, string | undefined>();
      stream.apply(
        old
          .filter(({ key }) => {
            const [hex, seq] = key.split("/") as [string, string];
            const shard = Number.parseInt(hex, 16);
            if (!lastOf.has(shard)) lastOf.set(shard, stream.shard(shard).lastSeq());
            const last = lastOf.get(shard);
            return last === undefined || compareSeq(seq, last) > 0;
          })
          .map(({ key, value }) => ({ type: "put" as const, key, value })),
      );
      await stream.sync();
      await new Promise<void>((resolve, reject) =>
        legacy.batch(
          old.map(({ key }) => ({ type: "del", key })),
          done(resolve, reject),
        ),
      );
    }
    let moved = false;
    meta.Shards.forEach((_, index) => {
      const last = stream.shard(index).lastSeq();
      if (last === undefined) return;
      const next = Number(parseSequence(last).seqIx) + 1;
      const group = Math.floor(index / 5);
      if ((meta._seqIx[group] ?? 0) >= next) return;
      meta._seqIx[group] = next;
      moved = true;
    });
    if (moved) await new Promise<void>((resolve, reject) => metaDb.put(name, meta, done(resolve, reject)));
  }
}
