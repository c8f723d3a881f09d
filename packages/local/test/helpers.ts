import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import type { Clock } from "@fleetline/core/common";
import { settle, waitFor } from "@fleetline/testing";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { LocalBroker } from "../src/iot/broker/broker.js";
import { DeviceRegistry } from "../src/iot/registry/device-registry.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { RuntimeConfig } from "../src/runtime/runtime-config.js";
import { Database } from "../src/stores/database.js";

export { settle, waitFor };

/** A temporary directory under the repository's .tmp, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const base = join(process.cwd(), ".tmp");
  const path = await mkdtemp(join(base, `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface BrokerFixture {
  db: Database;
  registry: DeviceRegistry;
  broker: LocalBroker;
  close(): Promise<void>;
}

export async function startBroker(options: { iotLimits?: boolean } = {}): Promise<BrokerFixture> {
  const db = await Database.open(":memory:");
  const registry = await DeviceRegistry.open(db);
  const broker = await LocalBroker.start({ host: "127.0.0.1", mqttPort: 0, wsPort: 0, registry, ...options });
  // Nothing else subscribes in-process: messages may flow at once.
  broker.source().open();
  return {
    db,
    registry,
    broker,
    close: async () => {
      await broker.close();
      await db.close();
    },
  };
}

export function connectDevice(
  url: string,
  thing: string,
  token: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: thing,
    username: thing,
    password: token,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    protocolVersion: 4,
    ...extra,
  });
}

/** Resolves when the client's connection closes (the broker dropped it). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once("close", () => resolve());
  });
}

/** Every record on every shard of a stream, per shard in order (for assertions on what rules wrote). */
export async function readStream(
  kinesis: import("@aws-sdk/client-kinesis").KinesisClient,
  streamName: string,
): Promise<Map<string, Array<{ partitionKey: string; data: string }>>> {
  const { ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } = await import(
    "@aws-sdk/client-kinesis"
  );
  const shards = new Map<string, Array<{ partitionKey: string; data: string }>>();
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  for (const shard of Shards) {
    const records: Array<{ partitionKey: string; data: string }> = [];
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    while (iterator) {
      const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of result.Records ?? []) {
        records.push({
          partitionKey: record.PartitionKey ?? "",
          data: Buffer.from(record.Data ?? []).toString("utf8"),
        });
      }
      if ((result.Records ?? []).length === 0) break;
      iterator = result.NextShardIterator;
    }
    shards.set(shard.ShardId as string, records);
  }
  return shards;
}

/** The device payloads the telemetry rule put on the raw stream for one thing, in stream order. */
export async function rawPayloads(
  kinesis: import("@aws-sdk/client-kinesis").KinesisClient,
  thing: string,
): Promise<string[]> {
  const { STREAMS } = await import("@fleetline/core/pipeline");
  const shards = await readStream(kinesis, STREAMS.raw);
  return [...shards.values()]
    .flat()
    .filter((record) => record.partitionKey === thing)
    .map((record) => Buffer.from(JSON.parse(record.data).payload, "base64").toString());
}

/** The whole local runtime in this process, in memory unless given a data dir, on free ports. */
export function startRuntime(options: Partial<RuntimeConfig> = {}, clock?: Clock): Promise<Runtime> {
  return Runtime.start(
    {
      host: "127.0.0.1",
      mqttPort: 0,
      wsPort: 0,
      httpPort: 0,
      kinesisPort: 0,
      version: "test",
      ...options,
    },
    clock,
  );
}

/** A valid dispenser report as a device sends it (docs/reference/contract.md §1), metrics overridden. */
export function freestyleReport(
  seq: number,
  metrics: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    v: 1,
    seq,
    ts: Date.now(),
    metrics: {
      cabinetTempC: 4,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 1,
      cartridges: { cola: 50 },
      state: "idle",
      ...metrics,
    },
    ...extra,
  });
}

/** A dispenser report as a device sends it, in state `fault` with the given faults (alert tests). */
export function faultyFreestyle(
  seq: number,
  faults: unknown[],
  overrides: Record<string, unknown> = {},
): string {
  return freestyleReport(
    seq,
    { cabinetTempC: 9, pours: 0, cartridges: { cola: 40 }, state: "fault", ...overrides },
    { faults },
  );
}

/** For `interceptKinesis`: Kinesis refuses every record of `thing`, as it does a malformed request. */
export const refusing = (thing: string) => async (command: SentCommand) => {
  if (command.input.Records?.some((r) => r.PartitionKey === thing))
    throw Object.assign(new Error("1 validation error detected"), {
      name: "ValidationException",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
};

/** A Kinesis command as `interceptKinesis` shows it: its operation and input. */
export interface SentCommand {
  constructor: { name: string };
  input: { Records?: Array<{ PartitionKey: string }> };
}

/**
 * Runs `before` ahead of every call the runtime's own clients make to the Kinesis stand-in (it
 * may wait, or throw as Kinesis would), through the injected failures the runtime or stand-ins
 * were started with, until the returned function restores what was there before.
 */
export function interceptKinesis(
  failures: InjectedFailures,
  before: (command: SentCommand) => Promise<void>,
): () => void {
  const previous = failures.kinesis;
  failures.kinesis = async (command) => {
    await previous?.(command);
    await before(command as SentCommand);
  };
  return () => {
    failures.kinesis = previous;
  };
}

/** One figure of a component of the runtime's health (`GET /api/health`), as the report has it. */
export async function healthMetric(runtime: Runtime, component: string, metric: string): Promise<unknown> {
  const report = await runtime.health();
  return report.components.find((c) => c.name === component)?.metrics[metric];
}

/** `@aws-sdk/client-iot-data-plane` as a backend points it at a runtime's HTTP port. */
export function localDataPlane(url: string): IoTDataPlaneClient {
  return new IoTDataPlaneClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
}

/** `@aws-sdk/client-iot` (the control plane: Jobs, things) pointed at a runtime's HTTP port. */
export function localIotClient(url: string): IoTClient {
  return new IoTClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
}
