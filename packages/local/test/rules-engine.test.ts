import {
  QUEUES,
  STREAMS,
  stageTelemetryRule,
  TELEMETRY_RULE,
  type TopicRule,
} from "@fleetline/core/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RulesEngine } from "../src/iot/rules/rules-engine.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { LocalQueues } from "../src/streams/queues/local-queues.js";
import { type BrokerFixture, connectDevice, readStream, startBroker, waitFor } from "./helpers.js";

let fixture: BrokerFixture;
let kinesis: KinesisStandIn;
let queues: LocalQueues;
let engine: RulesEngine;

const hotRule: TopicRule = {
  name: "hot",
  sql: "SELECT temp, topic(4) AS thing FROM 'dt/fleetline/+/+/telemetry' WHERE temp > 40",
  actions: [{ republish: { topic: "alerts/fleetline/${topic(3)}/${topic(4)}", qos: 1 } }],
};

const brokenRule: TopicRule = {
  name: "broken",
  sql: "SELECT * FROM 'dt/fleetline/+/+/telemetry' WHERE temp < -100",
  actions: [{ kinesis: { streamName: "no-such-stream", partitionKey: "${topic(4)}" } }],
  errorAction: { sqs: { queueName: QUEUES.ruleErrors } },
};

beforeAll(async () => {
  // The order test publishes 300 at once from one connection, past IoT Core's 100 a second.
  fixture = await startBroker({ iotLimits: false });
  kinesis = await KinesisStandIn.start({ host: "127.0.0.1", port: 0, streams: [STREAMS.raw], shardCount: 4 });
  queues = await LocalQueues.open(fixture.db);
  engine = await RulesEngine.start({
    rules: [TELEMETRY_RULE, hotRule, brokenRule],
    source: fixture.broker.source(),
    targets: { kinesis: kinesis.client, queues },
  });
});

afterAll(async () => {
  await engine.drain();
  await fixture.close();
  await kinesis.close();
});

async function envelopesOf(thing: string) {
  const shards = await readStream(kinesis.client, STREAMS.raw);
  return [...shards.entries()].flatMap(([shardId, records]) =>
    records.filter((r) => r.partitionKey === thing).map((r) => ({ shardId, envelope: JSON.parse(r.data) })),
  );
}

describe("the rules engine on the embedded broker", () => {
  it("puts a malformed-JSON payload on the raw stream too, base64-encoded with its origin", async () => {
    const { token } = await fixture.registry.register("fs-rules-bad", "freestyle");
    const device = await connectDevice(fixture.broker.mqttUrl, "fs-rules-bad", token);
    await device.publishAsync("dt/fleetline/freestyle/fs-rules-bad/telemetry", "{oops", { qos: 1 });
    await device.endAsync();
    const [record] = await waitFor(async () => {
      const found = await envelopesOf("fs-rules-bad");
      return found.length > 0 ? found : undefined;
    }, "the record on the stream");
    expect(record?.envelope).toEqual({
      payload: Buffer.from("{oops").toString("base64"),
      topic: "dt/fleetline/freestyle/fs-rules-bad/telemetry",
      type: "freestyle",
      thing: "fs-rules-bad",
      clientId: "fs-rules-bad",
      receivedAt: expect.any(Number),
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("lands all messages of one thing on one shard, in publish order", async () => {
    const { token } = await fixture.registry.register("rb-rules-order", "robot");
    const device = await connectDevice(fixture.broker.mqttUrl, "rb-rules-order", token);
    const topic = "dt/fleetline/robot/rb-rules-order/telemetry";
    await Promise.all(
      Array.from({ length: 300 }, (_, seq) =>
        device.publishAsync(topic, JSON.stringify({ seq }), { qos: 1 }),
      ),
    );
    await device.endAsync();
    const records = await waitFor(async () => {
      const found = await envelopesOf("rb-rules-order");
      return found.length === 300 ? found : undefined;
    }, "300 records");
    expect(new Set(records.map((r) => r.shardId)).size).toBe(1);
    const seqs = records.map((r) => JSON.parse(Buffer.from(r.envelope.payload, "base64").toString()).seq);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, seq) => seq));
  });

  it("republishes with substitution templates when the WHERE clause matches", async () => {
    const { token } = await fixture.registry.register("fs-rules-hot", "freestyle");
    const device = await connectDevice(fixture.broker.mqttUrl, "fs-rules-hot", token);
    await device.subscribeAsync("alerts/fleetline/freestyle/fs-rules-hot", { qos: 1 });
    const received: unknown[] = [];
    device.on("message", (_topic, payload) => received.push(JSON.parse(payload.toString())));
    const topic = "dt/fleetline/freestyle/fs-rules-hot/telemetry";
    await device.publishAsync(topic, JSON.stringify({ temp: 12 }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ temp: 44 }), { qos: 1 });
    await waitFor(() => received.length > 0, "the republished message");
    expect(received).toEqual([{ temp: 44, thing: "fs-rules-hot" }]);
    await device.endAsync();
  });

  it("sends a failed action to the error action in the AWS error-message shape", async () => {
    const { token } = await fixture.registry.register("fs-rules-err", "freestyle");
    const device = await connectDevice(fixture.broker.mqttUrl, "fs-rules-err", token);
    await device.publishAsync(
      "dt/fleetline/freestyle/fs-rules-err/telemetry",
      JSON.stringify({ temp: -200 }),
      { qos: 1 },
    );
    await device.endAsync();
    const [message] = await waitFor(async () => {
      const messages = await queues.list(QUEUES.ruleErrors);
      return messages.length > 0 ? messages : undefined;
    }, "the error-action message");
    expect(message?.body).toEqual({
      ruleName: "broken",
      topic: "dt/fleetline/freestyle/fs-rules-err/telemetry",
      cloudwatchTraceId: expect.any(String),
      clientId: "fs-rules-err",
      base64OriginalPayload: Buffer.from(JSON.stringify({ temp: -200 })).toString("base64"),
      failures: [
        {
          failedAction: "KinesisAction",
          failedResource: "no-such-stream",
          errorMessage: expect.stringContaining("ResourceNotFound"),
        },
      ],
    });
    expect(engine.stats.actionFailures).toBeGreaterThan(0);
  });

  it("refuses to start with a rule it cannot parse, naming the rule and the text", async () => {
    const bad: TopicRule = { name: "sorted", sql: "SELECT * FROM 'a' ORDER BY x", actions: [] };
    await expect(
      RulesEngine.start({
        rules: [bad],
        source: fixture.broker.source(),
        targets: { kinesis: kinesis.client, queues },
      }),
    ).rejects.toThrow(
      `rule "sorted" cannot be loaded: unsupported clause ORDER BY at 18 in: SELECT * FROM 'a' ORDER BY x`,
    );
  });

  it("runs an AWS stage's rule as deployed: only that stage's things reach its stream", async () => {
    const stageBroker = await startBroker();
    const stageTwin = await KinesisStandIn.start({
      host: "127.0.0.1",
      port: 0,
      streams: [STREAMS.raw],
      shardCount: 1,
    });
    const staged = await RulesEngine.start({
      rules: [stageTelemetryRule("prod_")],
      source: stageBroker.broker.source(),
      targets: { kinesis: stageTwin.client, queues: await LocalQueues.open(stageBroker.db) },
    });
    try {
      for (const thing of ["prod_fs-stage", "dev_fs-stage"]) {
        const { token } = await stageBroker.registry.register(thing, "freestyle");
        const device = await connectDevice(stageBroker.broker.mqttUrl, thing, token);
        await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, "{}", { qos: 1 });
        await device.endAsync();
      }
      await staged.drain();
      const keys = [...(await readStream(stageTwin.client, STREAMS.raw)).values()]
        .flat()
        .map((r) => r.partitionKey);
      expect(keys).toEqual(["prod_fs-stage"]);
    } finally {
      await staged.stop();
      await stageBroker.close();
      await stageTwin.close();
    }
  });
});
