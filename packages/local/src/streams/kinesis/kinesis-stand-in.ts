import { mkdir } from "node:fs/promises";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceInUseException,
} from "@aws-sdk/client-kinesis";
import type { DiskFailures } from "../../lib/disk-failures.js";
import { listen } from "../../lib/net/listen.js";
import { InProcessKinesis } from "./in-process-kinesis.js";
import { createKinesaliteServer, type KinesaliteServer } from "./kinesalite-server.js";
import { localKinesisClient } from "./kinesis-client.js";

export interface KinesisStandInOptions {
  host: string;
  port: number;
  /**
   * LevelDB directory for the streams' metadata, their records in shard logs beside it
   * (`<path>-records`); undefined keeps the streams in memory.
   */
  path?: string;
  streams: readonly string[];
  shardCount: number;
  /** The injected full-disk switch (the fault-injection suite). */
  disk?: DiskFailures;
  /** The port of the runtime's dashboard, the only page that may call this port; none by default. */
  dashboardPort?: () => number;
}

/**
 * The local Kinesis: kinesalite in-process, speaking the real Kinesis API. Streams are created on
 * start (and kept across restarts when `path` is set).
 */
export class KinesisStandIn {
  private constructor(
    private readonly port: KinesaliteServer,
    readonly endpoint: string,
    /** The Kinesis API over HTTP, as any client sees it. */
    readonly client: KinesisClient,
  ) {
    this.inProcess = new InProcessKinesis(port.store).asClient();
  }

  /** The same API called in this process, for the runtime's own producers and readers. */
  readonly inProcess: KinesisClient;

  static async start(options: KinesisStandInOptions): Promise<KinesisStandIn> {
    if (options.path !== undefined) await mkdir(options.path, { recursive: true });
    const kinesalite = createKinesaliteServer(
      {
        path: options.path,
        records: options.path === undefined ? undefined : `${options.path}-records`,
        createStreamMs: 0,
        deleteStreamMs: 0,
        updateStreamMs: 0,
        shardLimit: 100,
      },
      { host: options.host, dashboardPort: options.dashboardPort ?? (() => 0) },
      options.disk,
    );
    const port = await kinesalite
      .recover()
      .then(() =>
        listen(kinesalite.server, {
          label: "Kinesis",
          flag: "--kinesis-port",
          host: options.host,
          port: options.port,
        }),
      )
      .catch(async (error: unknown) => {
        await kinesalite.close().catch(() => undefined);
        throw error;
      });
    const endpoint = `http://${options.host}:${port}`;
    const kinesis = new KinesisStandIn(kinesalite, endpoint, localKinesisClient(endpoint));
    for (const stream of options.streams) await kinesis.ensureStream(stream, options.shardCount);
    return kinesis;
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

  /** The records a stream took since start, from every producer (in-process and over HTTP). */
  recordsPut(stream: string): number {
    return this.port.recordsPut(stream);
  }

  /**
   * Makes every record put so far durable on disk (one fsync per shard written). Calls made while
   * one is under way share the next: under load, one round per batch, whatever the number of callers.
   */
  sync(): Promise<void> {
    return this.port.sync();
  }

  /** Rounds of fsyncs done since start. */
  get synced(): number {
    return this.port.synced();
  }

  /** Told of a listening-socket error (EMFILE …) after start-up, which would otherwise be thrown. */
  onServerError(listener: (error: Error) => void): void {
    this.port.server.on("error", listener);
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.port.close();
  }
}
