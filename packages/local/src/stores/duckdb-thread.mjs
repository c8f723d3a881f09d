// The runtime's DuckDB database on a thread of its own (docs/architecture.md, "The database
// thread"): DuckDB's node API — binding values, preparing statements, reading rows, feeding the
// appender — runs here, off the event loop that serves MQTT, Kinesis and the functions. The
// main thread's `Database` sends each statement and awaits its answer; statements of one
// connection come one at a time (it queues them), those of different connections run side by side.
// Plain JavaScript: a worker is loaded by Node itself, with no TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";
import { DuckDBInstance, DuckDBResultReader } from "@duckdb/node-api";

/** How many prepared statements a connection keeps; the least recently used goes first. */
const PREPARED_KEPT = 256;

/**
 * A connection and its statements with parameters, each prepared once and run again with new
 * values: DuckDB's node API otherwise splits, prepares, runs and destroys the statement on every
 * call — three round trips to DuckDB's threads where a prepared statement takes one.
 */
class Connection {
  /** @param {import("@duckdb/node-api").DuckDBConnection} connection */
  constructor(connection) {
    this.connection = connection;
    /** @type {Map<string, import("@duckdb/node-api").DuckDBPreparedStatement>} */
    this.prepared = new Map();
  }

  async run(sql, params) {
    if (params === undefined) return this.connection.run(sql);
    let statement = this.prepared.get(sql);
    if (statement) {
      // Most recently used last.
      this.prepared.delete(sql);
    } else {
      statement = await this.connection.prepare(sql);
      if (this.prepared.size >= PREPARED_KEPT) {
        const [oldest, evicted] = this.prepared.entries().next().value;
        this.prepared.delete(oldest);
        evicted.destroySync();
      }
    }
    this.prepared.set(sql, statement);
    // A value left out must be an error, as on a fresh statement, never the last call's value.
    statement.clearBindings();
    statement.bind(params);
    return statement.run();
  }

  async rows(sql, params) {
    const reader = new DuckDBResultReader(await this.run(sql, params));
    await reader.readAll();
    return reader.getRowObjectsJS();
  }

  /**
   * Rows appended by DuckDB's appender, to a temporary table or (`into: "main"`) to one of the
   * database's: no SQL to parse, nothing to bind. A row a key refuses fails the whole append.
   */
  async append(table, rows, into = "temp") {
    const appender =
      into === "main"
        ? await this.connection.createAppender(table)
        : await this.connection.createAppender(table, "main", "temp");
    try {
      for (const row of rows) {
        for (const value of row) {
          if (typeof value === "string") appender.appendVarchar(value);
          else if (typeof value === "bigint") appender.appendBigInt(value);
          else appender.appendDouble(value);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  close() {
    this.connection.closeSync();
  }
}

const instance = await DuckDBInstance.create(workerData.path).catch((error) => {
  parentPort.postMessage({ id: 0, error: describe(error) });
  return undefined;
});
/** @type {Map<number, Connection>} */
const connections = new Map();
let nextConnection = 1;

function describe(error) {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };
}

async function handle(request) {
  const connection = connections.get(request.connection);
  switch (request.op) {
    case "connect": {
      const id = nextConnection++;
      connections.set(id, new Connection(await instance.connect()));
      return id;
    }
    case "run":
      await connection.run(request.sql, request.params);
      return undefined;
    case "all":
      return connection.rows(request.sql, request.params);
    case "append":
      return connection.append(request.table, request.rows);
    case "steps": {
      // Several statements in one crossing, in order; the rows of each "all", the first error ends them.
      const results = [];
      for (const step of request.steps) {
        if (step.op === "append") await connection.append(step.table, step.rows, step.into);
        else if (step.op === "all") results.push(await connection.rows(step.sql, step.params));
        else await connection.run(step.sql, step.params);
      }
      return results;
    }
    case "disconnect":
      connections.delete(request.connection);
      connection?.close();
      return undefined;
    case "close":
      for (const open of connections.values()) open.close();
      connections.clear();
      instance.closeSync();
      return undefined;
    default:
      throw new Error(`the database thread does not know ${request.op}`);
  }
}

if (instance) {
  parentPort.on("message", (request) => {
    handle(request).then(
      (value) => parentPort.postMessage({ id: request.id, value }),
      (error) => parentPort.postMessage({ id: request.id, error: describe(error) }),
    );
  });
  parentPort.postMessage({ id: 0 });
}
