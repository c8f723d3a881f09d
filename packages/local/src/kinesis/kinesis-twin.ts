import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceInUseException,
} from "@aws-sdk/client-kinesis";
import type { StorageFaults } from "../faults/storage-faults.js";
import { listen } from "../net/listen.js";
import { InProcessKinesis } from "./in-process-kinesis.js";
import { createKinesaliteServer, storeOf } from "./kinesalite-server.js";
import { localKinesisClient } from "./kinesis-client.js";

export interface KinesisTwinOptions {
  host: string;
  port: number;
  /** LevelDB directory; undefined keeps the streams in memory. */
  path?: string;
  streams: readonly string[];
  shardCount: number;
  /** Fault switch for the fault-injection suite (a full disk). */
  faults?: StorageFaults;
}

/**
 * The local Kinesis: kinesalite in-process, speaking the real Kinesis API. Streams are created on
 * start (and kept across restarts when `path` is set).
 */
export class KinesisTwin {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    /** The Kinesis API over HTTP, as any client sees it. */
    readonly client: KinesisClient,
  ) {
    this.inProcess = new InProcessKinesis(storeOf(server)).asClient();
  }

  /** The same API called in this process, for the runtime's own producers and readers. */
  readonly inProcess: KinesisClient;

  static async start(options: KinesisTwinOptions): Promise<KinesisTwin> {
    if (options.path !== undefined) await mkdir(options.path, { recursive: true });
    const server = createKinesaliteServer(
      { path: options.path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 },
      options.faults,
    );
    const port = await listen(server, {
      label: "Kinesis",
      flag: "--kinesis-port",
      host: options.host,
      port: options.port,
    }).catch(async (error: unknown) => {
      await closeKinesalite(server).catch(() => undefined);
      throw error;
    });
    const endpoint = `http://${options.host}:${port}`;
    const twin = new KinesisTwin(server, endpoint, localKinesisClient(endpoint));
    for (const stream of options.streams) await twin.ensureStream(stream, options.shardCount);
    return twin;
  }

  private async ensureStream(name: string, shardCount: number): Promise<void> {
    try {
      await this.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const { StreamDescriptionSummary } = await this.client.send(
        new DescribeStreamSummaryCommand({ StreamName: name }),
      );
      if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`stream ${name} did not become ACTIVE`);
  }

  /** Told of a listening-socket error (EMFILE …) after start-up, which would otherwise be thrown. */
  onServerError(listener: (error: Error) => void): void {
    this.server.on("error", listener);
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.server.closeAllConnections();
    await closeKinesalite(this.server);
  }
}

/** kinesalite's close also closes its LevelDB, so a restart can reopen the same path. */
function closeKinesalite(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
