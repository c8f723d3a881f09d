import { readdirSync } from "node:fs";
import { type Server as HttpServer, type IncomingMessage, ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from "node:http2";
import { createRequire } from "node:module";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import type { DiskFailures } from "../../lib/disk-failures.js";
import {
  type BrowserGuardOptions,
  type BrowserRefusal,
  browserRefusal,
} from "../../lib/net/browser-guard.js";
import { routeByHttpVersion } from "../../lib/net/http-versions.js";
import { adviseKeepAlive, holdIdleConnections } from "../../lib/net/keep-alive.js";
import { GroupCommit } from "../../stores/group-commit.js";
import { installFastSequences } from "./kinesalite-sequences.js";
import { type MetaLevel, StreamMetadata } from "./stream-metadata.js";
import { StreamRecords } from "./stream-records.js";
import { recoverStreams } from "./stream-recovery.js";

const require = createRequire(import.meta.url);

type Callback = (error: unknown, data?: unknown) => void;
type Action = (store: KinesaliteStore, data: unknown, cb: Callback) => void;
interface KinesaliteStore {
  /** kinesalite's LevelDB (levelup): the streams' metadata. */
  db: unknown;
  metaDb: MetaLevel;
  getStream(name: string, callback: (error: Error | null | undefined, value?: unknown) => void): void;
  getStreamDb(name: string): unknown;
  deleteStreamDb(name: string, callback: (error?: Error | null) => void): void;
  fleetlineDisk?: DiskFailures;
  /** Every stream's records (`StreamRecords`), in place of LevelDB's. */
  fleetlineRecords: StreamRecords;
  /** This store as a put of records sees it: the next sequence index kept in memory. */
  fleetlinePutting?: KinesaliteStore;
  /** Set on the store the runtime's own clients call in-process: they make their puts durable themselves. */
  fleetlineInProcess?: boolean;
  /** Every record put so far on disk; calls made while one is under way share the next (one fsync a round). */
  fleetlineSync: () => Promise<void>;
  /** Rounds of fsyncs done since start. */
  fleetlineSynced: number;
  /** Records each stream took since start, from every producer (`recordsPut`). */
  fleetlinePut?: Map<string, number>;
}

/** The records a successful put added to its stream. */
function recordsAdded(name: string, result: unknown): number {
  if (name === "putRecord") return 1;
  if (name !== "putRecords") return 0;
  const records = (result as { Records?: Array<{ ErrorCode?: string }> } | undefined)?.Records ?? [];
  return records.filter((record) => !record.ErrorCode).length;
}
interface KinesaliteError extends Error {
  statusCode?: number;
  body?: { __type: string; message?: string };
}

/** Actions whose only change to a stream's description is its next sequence index. */
const PUTS = new Set(["putRecord", "putRecords"]);

/** Actions that write to the stream store. */
const WRITES = new Set([
  "putRecord",
  "putRecords",
  "createStream",
  "deleteStream",
  "splitShard",
  "mergeShards",
]);

/**
 * kinesalite answers a storage error (a full disk, a closed LevelDB) by throwing it from a
 * callback, which ends the whole process. Each action is wrapped before kinesalite loads them, so
 * such an error becomes the answer Kinesis gives for its own internal faults — 500 InternalFailure,
 * which the SDK retries — and a full disk can be injected where LevelDB would report it.
 */
function wrapActions(): void {
  const actionsDir = join(dirname(require.resolve("kinesalite")), "actions");
  for (const file of readdirSync(actionsDir)) {
    const path = join(actionsDir, file);
    const action = require(path) as Action;
    const name = file.replace(/\.js$/, "");
    const cached = require.cache[path];
    if (!cached) continue;
    cached.exports = (store: KinesaliteStore, data: unknown, cb: Callback) => {
      const answer: Callback = (error, result) => {
        const failure = error as KinesaliteError | undefined;
        if (!failure) {
          const added = recordsAdded(name, result);
          if (added > 0) {
            const stream = (data as { StreamName: string }).StreamName;
            store.fleetlinePut?.set(stream, (store.fleetlinePut.get(stream) ?? 0) + added);
          }
          return cb(error, result);
        }
        if (failure.statusCode) return cb(error, result);
        cb(
          Object.assign(new Error(failure.message), {
            statusCode: 500,
            body: { __type: "InternalFailure", message: failure.message },
          }),
        );
      };
      const disk = store.fleetlineDisk;
      if (disk?.full && WRITES.has(name)) return answer(disk.noSpace("kinesis-records/shard-0"));
      if (!PUTS.has(name)) return action(store, data, answer);
      // A client's put is answered once its records are on disk, as Kinesis answers once they are
      // stored; the runtime's own producers sync a whole batch of puts at once instead.
      const durable: Callback = store.fleetlineInProcess
        ? answer
        : (error, result) => {
            if (error) return answer(error, result);
            store.fleetlineSync().then(
              () => answer(null, result),
              (failure: unknown) => answer(failure),
            );
          };
      action(store.fleetlinePutting ?? store, data, durable);
    };
  }
}

/** Every record put so far on disk (an fsync of each shard log written since the last). */
async function syncRecords(store: KinesaliteStore): Promise<void> {
  const disk = store.fleetlineDisk;
  if (disk?.full) throw disk.noSpace("kinesis-records/shard-0");
  if (disk?.syncFails) throw disk.ioError("kinesis-records/shard-0");
  await store.fleetlineRecords.sync();
}

let kinesalite: ((options: Record<string, unknown>) => HttpServer) | undefined;
/** The store kinesalite created last: the one of the server being created. */
let lastStore: object | undefined;

function load(): (options: Record<string, unknown>) => HttpServer {
  if (kinesalite) return kinesalite;
  wrapActions();
  const db = require("kinesalite/db") as {
    create: (options: { fleetlineDisk?: DiskFailures; fleetlineRecords?: string }) => KinesaliteStore;
  };
  installFastSequences(db as unknown as Record<string, unknown>);
  const create = db.create;
  // The store is what every action gets: it carries this server's injected full-disk switch, and
  // its streams' records are shard logs, not LevelDB's (LevelDB keeps the streams' metadata).
  db.create = (options) => {
    // Retention as each stream's description says, once it is in memory (`metadata`, just below).
    const records = new StreamRecords(options.fleetlineRecords, (name) => metadata.retentionMs(name));
    const store: KinesaliteStore = Object.assign(create(options), {
      fleetlineDisk: options.fleetlineDisk,
      fleetlinePut: new Map<string, number>(),
      fleetlineRecords: records,
    });
    const metadata = new StreamMetadata(store.metaDb);
    const getStream = store.getStream;
    store.getStream = (name, callback) => metadata.read(name, getStream, callback);
    store.metaDb = metadata.level;
    store.fleetlinePutting = Object.assign(Object.create(store) as KinesaliteStore, {
      metaDb: metadata.sequencesOnly,
    });
    store.getStreamDb = (name) => records.stream(name);
    store.deleteStreamDb = (name, callback) => {
      records.drop(name).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    };
    const syncs = new GroupCommit<true>(async () => {
      await syncRecords(store);
      store.fleetlineSynced += 1;
    });
    store.fleetlineSync = () => syncs.add([["sync", true]]);
    store.fleetlineSynced = 0;
    lastStore = store;
    return store;
  };
  kinesalite = require("kinesalite") as (options: Record<string, unknown>) => HttpServer;
  return kinesalite;
}

export interface KinesaliteServer {
  /** The port's listener: HTTP/1.1 and HTTP/2 with prior knowledge, as the AWS SDK speaks either. */
  readonly server: NetServer;
  /** What kinesalite's actions work on, for the runtime's own clients calling them in-process. */
  readonly store: object;
  /** The records a stream took since start, from every producer (in-process and over HTTP). */
  recordsPut(stream: string): number;
  /**
   * Makes every record put so far durable: an fsync of each shard log written since the last. Calls
   * made while one is under way share the next — and with them a client's put over HTTP, answered
   * once durable: under load, one round of fsyncs whatever the number of callers.
   */
  sync(): Promise<void>;
  /** Rounds of fsyncs done since start. */
  synced(): number;
  /** Brings the streams' metadata in line with their records (`stream-recovery.ts`), before serving. */
  recover(): Promise<void>;
  /** Stops listening, drops every connection, and closes kinesalite's LevelDB (a restart can reopen it). */
  close(): Promise<void>;
}

/** kinesalite's 403 for a request it cannot authorize, in the Kinesis JSON error shape. */
function refuse(response: ServerResponse | Http2ServerResponse, refusal: BrowserRefusal): void {
  const body = JSON.stringify({ __type: "AccessDeniedException", message: refusal.message });
  response.writeHead(403, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-errortype": "AccessDeniedException",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * kinesalite behind the runtime's browser guard, surviving its storage failing and its clients
 * hanging up: a request whose connection drops mid-body is let go (kinesalite throws on it too).
 * kinesalite grants CORS to any `Origin`; this port grants none, and refuses every page but the
 * runtime's dashboard and every host name but this machine's (`net/browser-guard.ts`).
 */
export function createKinesaliteServer(
  options: Record<string, unknown> & { path?: string; records?: string },
  guard: BrowserGuardOptions,
  disk?: DiskFailures,
): KinesaliteServer {
  const http1 = load()({ ...options, fleetlineDisk: disk, fleetlineRecords: options.records });
  const store = lastStore as KinesaliteStore;
  const [handler] = http1.listeners("request") as Array<
    (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void
  >;
  if (!handler) throw new Error("kinesalite did not install its request handler");
  http1.removeAllListeners("request");
  holdIdleConnections(http1);
  const http2 = createHttp2Server();
  const serve = (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ) => {
    if (response instanceof ServerResponse) adviseKeepAlive(response);
    const refusal = browserRefusal(request.method ?? "", request.headers, guard);
    if (refusal) return refuse(response, refusal);
    // Without an Origin kinesalite adds no Access-Control-* header and answers a preflight 403.
    delete request.headers.origin;
    handler(request, response);
    request.removeAllListeners("error");
    request.on("error", () => response.destroy());
  };
  http1.on("request", serve);
  http2.on("request", serve);
  http2.on("sessionError", () => undefined);
  const server = createNetServer((socket) => routeByHttpVersion(socket, http1, http2));
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    server,
    store: Object.assign(Object.create(store) as KinesaliteStore, { fleetlineInProcess: true }),
    recordsPut: (stream) => store.fleetlinePut?.get(stream) ?? 0,
    sync: () => store.fleetlineSync(),
    synced: () => store.fleetlineSynced,
    recover: () => recoverStreams(store, store.fleetlineRecords),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      // kinesalite's close closes its LevelDB, then the HTTP server, which never listened itself.
      await new Promise<void>((resolve, reject) =>
        http1.close((error) =>
          error && (error as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING"
            ? reject(error)
            : resolve(),
        ),
      );
      http2.close();
      await store.fleetlineRecords.close();
    },
  };
}
