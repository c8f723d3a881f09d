import { Logger } from "@aws-lambda-powertools/logger";
import { STREAMS } from "@fleetline/core/pipeline";
import { createStoreHandler, createValidateHandler, KinesisStreamProducer } from "@fleetline/functions";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { BookkeepingJournal } from "../src/stores/bookkeeping-journal.js";
import { DuckDbQuarantine } from "../src/stores/duckdb-quarantine.js";
import { DuckDbTelemetryStore } from "../src/stores/duckdb-telemetry-store.js";
import { JournalCounters } from "../src/stores/journal-counters.js";
import { kinesisEvent, lambdaContext } from "../src/streams/event-sources/kinesis-event.js";
import { localKinesisClient } from "../src/streams/kinesis/kinesis-client.js";
import { connectDevice, startRuntime, waitFor } from "./helpers.js";

const quiet = () => new Logger({ serviceName: "test", logLevel: "SILENT" });

function payload(seq: number, ts = Date.now()) {
  return JSON.stringify({
    v: 1,
    seq,
    ts,
    metrics: { batteryPct: 80, state: "cleaning", binFull: false, x: 1, y: 2, areaM2: 3, rssiDbm: -50 },
  });
}

let runtime: Runtime;
let store: DuckDbTelemetryStore;
let counters: JournalCounters;

beforeAll(async () => {
  runtime = await startRuntime();
  store = await DuckDbTelemetryStore.open(runtime.probe.database());
  // The handlers these tests build count on a journal of their own.
  counters = new JournalCounters(await BookkeepingJournal.open(undefined));
});

afterAll(async () => {
  await runtime.stop();
});

async function rowCount(thing: string): Promise<number> {
  const [row] = await runtime.probe.query<{ n: bigint }>(
    "SELECT count(*) AS n FROM telemetry WHERE thing = $thing",
    { thing },
  );
  return Number(row?.n ?? 0);
}

describe("the local pipeline", () => {
  it("stores nothing twice when the validated stream is replayed to store from TRIM_HORIZON", async () => {
    const { token } = await runtime.registry.register("rb-replay", "robot");
    const device = await connectDevice(runtime.urls.mqtt, "rb-replay", token);
    for (let seq = 0; seq < 50; seq++)
      await device.publishAsync("dt/fleetline/robot/rb-replay/telemetry", payload(seq), { qos: 1 });
    await device.endAsync();
    await waitFor(async () => (await rowCount("rb-replay")) === 50, "50 rows");
    const before = await counters.read();

    // A second mapping has no checkpoint: it reads the validated stream from TRIM_HORIZON again.
    let replayed = 0;
    const storeHandler = createStoreHandler({ store, counters }, quiet());
    await runtime.probe.addEventSource({
      functionName: "store-replay",
      streamName: STREAMS.validated,
      handler: async (event, context) => {
        replayed += event.Records.filter((r) => r.kinesis.partitionKey === "rb-replay").length;
        return storeHandler(event, context);
      },
    });
    await waitFor(() => replayed >= 50, "the replay");
    await waitFor(
      async () => (await counters.read()).duplicates >= before.duplicates + 50,
      "duplicates counted",
    );
    expect(await rowCount("rb-replay")).toBe(50);
  });
});

describe("the validate handler", () => {
  const context: Context = lambdaContext("validate", "us-east-1", Date.now() + 60_000);
  const origin = {
    shardId: "shardId-000000000000",
    streamArn: "arn",
    region: "us-east-1",
    functionName: "validate",
  };
  const envelope = (thing: string, body: string, messageId: string) => ({
    payload: Buffer.from(body).toString("base64"),
    topic: `dt/fleetline/robot/${thing}/telemetry`,
    clientId: thing,
    receivedAt: Date.now(),
    messageId,
  });
  function event(envelopes: object[]): KinesisStreamEvent {
    return kinesisEvent(
      envelopes.map((e, i) => ({
        sequenceNumber: String(1000 + i),
        partitionKey: "k",
        data: new TextEncoder().encode(JSON.stringify(e)),
        approximateArrivalTimestamp: Date.now(),
      })),
      origin,
    );
  }

  it("quarantines bad data without failing the batch", async () => {
    const quarantine = await DuckDbQuarantine.open(runtime.probe.database());
    const handler = createValidateHandler(
      {
        producer: new KinesisStreamProducer(localKinesisClient(runtime.urls.kinesis)),
        quarantine,
        counters,
        validatedStream: STREAMS.validated,
      },
      quiet(),
    );
    const response = await handler(
      event([
        envelope("rb-vh", payload(1), "vh-1"),
        envelope("rb-vh", "{bad", "vh-2"),
        { not: "an envelope" },
      ]),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const rejected = (await quarantine.page({ limit: 10 })).items;
    expect(rejected.filter((r) => r.messageId === "vh-2")).toMatchObject([{ reason: "MALFORMED_JSON" }]);
    expect(rejected.find((r) => r.messageId === "stream:1002")).toMatchObject({ reason: "MISSING_FIELD" });
  });

  it("reports only the records whose writes failed, and throws when all did", async () => {
    const quarantine = await DuckDbQuarantine.open(runtime.probe.database());
    const failingProducer = {
      put: async (_stream: string, entries: readonly unknown[]) =>
        entries.map((_, index) => ({
          index,
          errorCode: "InternalFailure",
          errorMessage: "down",
          retryable: true,
        })),
    };
    const handler = createValidateHandler(
      { producer: failingProducer, quarantine, counters, validatedStream: STREAMS.validated },
      quiet(),
    );
    const mixed = await handler(
      event([envelope("rb-vf", "{bad", "vf-1"), envelope("rb-vf", payload(2), "vf-2")]),
      context,
    );
    expect(mixed).toEqual({ batchItemFailures: [{ itemIdentifier: "1001" }] });
    await expect(handler(event([envelope("rb-vf", payload(3), "vf-3")]), context)).rejects.toThrow(
      /All records failed/,
    );
  });
});
