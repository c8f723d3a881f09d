import { readdirSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { StorageFaults } from "../faults/storage-faults.js";
import { adviseKeepAlive, holdIdleConnections } from "../net/keep-alive.js";
import { installFastSequences } from "./kinesalite-sequences.js";

const require = createRequire(import.meta.url);

type Callback = (error: unknown, data?: unknown) => void;
type Action = (store: KinesaliteStore, data: unknown, cb: Callback) => void;
interface KinesaliteStore {
  fleetlineFaults?: StorageFaults;
}
interface KinesaliteError extends Error {
  statusCode?: number;
  body?: { __type: string; message?: string };
}

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
        if (!failure || failure.statusCode) return cb(error, result);
        cb(
          Object.assign(new Error(failure.message), {
            statusCode: 500,
            body: { __type: "InternalFailure", message: failure.message },
          }),
        );
      };
      const faults = store.fleetlineFaults;
      if (faults?.diskFull && WRITES.has(name)) return answer(faults.noSpace("kinesis/000003.log"));
      action(store, data, answer);
    };
  }
}

let kinesalite: ((options: Record<string, unknown>) => Server) | undefined;
/** The store kinesalite created last: the one of the server being created. */
let lastStore: object | undefined;
const stores = new WeakMap<Server, object>();

/** A kinesalite server's store: what its actions work on, for calling them in-process. */
export function storeOf(server: Server): object {
  const store = stores.get(server);
  if (!store) throw new Error("not a server of createKinesaliteServer");
  return store;
}

function load(): (options: Record<string, unknown>) => Server {
  if (kinesalite) return kinesalite;
  wrapActions();
  const db = require("kinesalite/db") as { create: (options: { fleetlineFaults?: StorageFaults }) => object };
  installFastSequences(db as unknown as Record<string, unknown>);
  const create = db.create;
  // The store is what every action gets: it carries this server's fault switch.
  db.create = (options) => {
    lastStore = Object.assign(create(options), { fleetlineFaults: options.fleetlineFaults });
    return lastStore;
  };
  kinesalite = require("kinesalite") as (options: Record<string, unknown>) => Server;
  return kinesalite;
}

/**
 * A kinesalite server that survives its storage failing and its clients hanging up: a request
 * whose connection drops mid-body is let go (kinesalite throws on it too).
 */
export function createKinesaliteServer(options: Record<string, unknown>, faults?: StorageFaults): Server {
  const server = load()({ ...options, fleetlineFaults: faults });
  if (lastStore) stores.set(server, lastStore);
  const [handler] = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (!handler) throw new Error("kinesalite did not install its request handler");
  server.removeAllListeners("request");
  holdIdleConnections(server);
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    adviseKeepAlive(response);
    handler(request, response);
    request.removeAllListeners("error");
    request.on("error", () => response.destroy());
  });
  return server;
}
