import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, mosquittoBinary, type Runtime } from "@fleetline/local";
import mqtt, { type MqttClient } from "mqtt";
import { benchReport, connectBenchDevices, startBenchRuntime } from "./bench-runtime.js";
import { type BenchFigure, round } from "./query-bench.js";
import { type RuntimeProcess, withRuntime } from "./runtime-process.js";

/** The load: 20,000 QoS 1 messages from 50 devices, 64 in flight per client (as mqtt.js allows). */
export const PIPELINE_LOAD = { messages: 20_000, devices: 50, inFlight: 64 } as const;

const MOSQUITTO = mosquittoBinary();

/** Publishes `count` messages from each client, at most `inFlight` unacknowledged at once. */
async function publishAll(
  clients: Array<{ client: MqttClient; topic: string }>,
  count: number,
  inFlight: number,
): Promise<void> {
  await Promise.all(
    clients.map(async ({ client, topic }) => {
      let next = 0;
      const lane = async () => {
        while (next < count) {
          const seq = next++;
          await client.publishAsync(topic, benchReport(seq), { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    }),
  );
}

/** Baseline: publish → subscribe through a bare broker (mosquitto when installed, else aedes alone). */
async function brokerBaseline(): Promise<{ perSecond: number; broker: string }> {
  const { messages, devices, inFlight } = PIPELINE_LOAD;
  let child: ChildProcess | undefined;
  let host: Runtime | undefined;
  const dir = await mkdtemp(join(tmpdir(), "fleetline-bench-"));
  let url: string;
  let credentials: { username?: string; password?: string } = {};
  if (MOSQUITTO) {
    const port = await freePort();
    const config = join(dir, "mosquitto.conf");
    await writeFile(
      config,
      `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n`,
    );
    child = spawn(MOSQUITTO, ["-c", config], { stdio: "ignore" });
    url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        (await mqtt.connectAsync(url, { reconnectPeriod: 0 })).end(true);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } else {
    const runtime = await startBenchRuntime();
    // The runtime only hosts the broker here; the bench's topics match no rule.
    host = runtime;
    url = runtime.urls.mqtt;
    credentials = runtime.serviceCredentials ?? {};
  }
  const clients: MqttClient[] = [];
  try {
    const subscriber = await mqtt.connectAsync(url, {
      ...credentials,
      clientId: "bench-sub",
      reconnectPeriod: 0,
    });
    clients.push(subscriber);
    await subscriber.subscribeAsync("bench/#", { qos: 1 });
    let received = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    subscriber.on("message", () => {
      received += 1;
      if (received === messages) done();
    });
    const publishers = await Promise.all(
      Array.from({ length: devices }, async (_, i) => {
        const client = await mqtt.connectAsync(url, {
          ...credentials,
          clientId: `bench-${i}`,
          reconnectPeriod: 0,
        });
        clients.push(client);
        return { client, topic: `bench/${i}` };
      }),
    );
    const started = performance.now();
    await publishAll(publishers, messages / devices, inFlight);
    await all;
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: messages / seconds, broker: MOSQUITTO ? "mosquitto" : "the embedded broker alone" };
  } finally {
    for (const client of clients) client.end(true);
    child?.kill("SIGTERM");
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fleetline: publish → PUBACK and publish → stored (`/api/stats.stored`) — `fleetline dev` on a data
 * dir (a PUBACK means the message is on disk), in a process of its own as mosquitto is, the same
 * clients in this one.
 */
function pipeline(): Promise<{ acked: number; stored: number }> {
  return withRuntime("pipeline", pipelineOn);
}

async function pipelineOn(runtime: RuntimeProcess): Promise<{ acked: number; stored: number }> {
  const { messages, devices, inFlight } = PIPELINE_LOAD;
  const clients: MqttClient[] = [];
  try {
    const http = runtime.ready.http as string;
    const publishers = await connectBenchDevices(
      { http, mqtt: runtime.ready.mqtt as string },
      "bench",
      devices,
    );
    clients.push(...publishers.map((p) => p.client));
    const stats = async () => (await (await fetch(`${http}/api/stats`)).json()) as { stored: number };
    const started = performance.now();
    await publishAll(publishers, messages / devices, inFlight);
    const acked = performance.now() - started;
    for (;;) {
      if ((await stats()).stored >= messages) break;
      if (performance.now() - started > 600_000)
        throw new Error("the pipeline did not store the messages in 10 minutes");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const stored = performance.now() - started;
    return { acked: messages / (acked / 1000), stored: messages / (stored / 1000) };
  } finally {
    for (const client of clients) client.end(true);
  }
}

/**
 * The pipeline against a bare broker, measured in the same run: 20,000 QoS 1 messages from 50
 * devices, publish → stored through the whole local pipeline, against publish → subscribe through
 * mosquitto (or, without it, the embedded broker with nothing behind it).
 */
export async function pipelineBench(log: (line: string) => void): Promise<BenchFigure[]> {
  const baseline = await brokerBaseline();
  log(`pipeline: ${baseline.broker} publish → subscribe: ${round(baseline.perSecond)} msg/s`);
  const measured = await pipeline();
  log(
    `pipeline: publish → PUBACK ${round(measured.acked)} msg/s, publish → stored ${round(measured.stored)} msg/s`,
  );
  const load = `${PIPELINE_LOAD.messages} QoS 1 messages from ${PIPELINE_LOAD.devices} devices, ${PIPELINE_LOAD.inFlight} in flight each`;
  return [
    {
      name: "pipeline: publish → stored",
      value: round(measured.stored),
      unit: "msg/s",
      baseline: round(baseline.perSecond),
      ratio: round(measured.stored / baseline.perSecond),
      detail: `${load}; baseline ${baseline.broker} publish → subscribe`,
      targets: [{ target: "≥ ×0.5 of the bare broker", met: measured.stored / baseline.perSecond >= 0.5 }],
    },
    {
      name: "pipeline: publish → PUBACK",
      value: round(measured.acked),
      unit: "msg/s",
      baseline: round(baseline.perSecond),
      ratio: round(measured.acked / baseline.perSecond),
      detail: `${load}; a PUBACK means the message is on fleetline-raw`,
      targets: [],
    },
  ];
}
