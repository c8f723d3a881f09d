import { join } from "node:path";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterEach, expect } from "vitest";
import type { DiskFailures } from "../src/lib/disk-failures.js";
import { BookkeepingJournal } from "../src/stores/bookkeeping-journal.js";
import { Database } from "../src/stores/database.js";
import { CheckpointStore } from "../src/streams/event-sources/checkpoint-store.js";
import {
  EventSourceEmulator,
  type EventSourceMapping,
} from "../src/streams/event-sources/event-source-emulator.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { LocalQueues } from "../src/streams/queues/local-queues.js";

export interface EmulatorRuntime {
  kinesis: KinesisStandIn;
  db: Database;
  queues: LocalQueues;
  emulator: EventSourceEmulator;
  stop(): Promise<void>;
}

export const running: EmulatorRuntime[] = [];

afterEach(async () => {
  while (running.length > 0) await running.pop()?.stop();
});

/** A Kinesis stand-in, a state database and the emulator with one mapping; stopped after each test. */
export async function start(
  stream: string,
  mapping: Omit<EventSourceMapping, "streamName">,
  dir?: string,
  shardCount = 2,
  disk?: DiskFailures,
  now?: () => number,
): Promise<EmulatorRuntime> {
  const kinesis = await KinesisStandIn.start({
    host: "127.0.0.1",
    port: 0,
    streams: [stream],
    shardCount,
    ...(dir ? { path: join(dir, "kinesis") } : {}),
  });
  const db = await Database.open(dir ? join(dir, "state.duckdb") : ":memory:", disk);
  const queues = await LocalQueues.open(db);
  const journal = await BookkeepingJournal.open(dir ? join(dir, "bookkeeping.journal") : undefined, {
    ...(disk ? { disk } : {}),
  });
  const emulator = new EventSourceEmulator({
    kinesis: kinesis.client,
    checkpoints: new CheckpointStore(journal),
    queues,
    ...(now ? { now } : {}),
  });
  await emulator.add({ pollIntervalMs: 20, retryDelayMs: 10, ...mapping, streamName: stream });
  const runtime: EmulatorRuntime = {
    kinesis,
    db,
    queues,
    emulator,
    stop: async () => {
      const index = running.indexOf(runtime);
      if (index >= 0) running.splice(index, 1);
      await emulator.stop();
      await kinesis.close();
      await journal.close();
      await db.close();
    },
  };
  running.push(runtime);
  return runtime;
}

export async function put(
  runtime: EmulatorRuntime,
  stream: string,
  entries: Array<[key: string, data: string]>,
) {
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const result = await runtime.kinesis.client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: chunk.map(([key, data]) => ({ PartitionKey: key, Data: new TextEncoder().encode(data) })),
      }),
    );
    expect(result.FailedRecordCount).toBe(0);
  }
}

export const decode = (event: KinesisStreamEvent) =>
  event.Records.map((record) => Buffer.from(record.kinesis.data, "base64").toString("utf8"));
