import type { MqttClient } from "mqtt";
import { benchReport, connectBenchDevices } from "./bench-runtime.js";
import { type BenchFigure, round } from "./query-bench.js";
import { type RuntimeProcess, withRuntime } from "./runtime-process.js";

/** 5,000 messages/s offered for 60 s: 500 devices at 10 Hz, one of them the probe whose messages are timed. */
export const LATENCY_LOAD = { devices: 500, hz: 10, seconds: 60 } as const;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Publish → queryable at a fixed offered load, through the whole local pipeline on a data dir —
 * `fleetline dev` in a process of its own, the devices in this one: every
 * message of a probe device is timed from its publish until `GET /api/devices/{probe}` shows it
 * (polled every 10 ms), while 99 other devices make up the load. Baseline: the same messages'
 * publish → PUBACK (durable on the raw stream), measured in the same run.
 */
export function latencyBench(log: (line: string) => void): Promise<BenchFigure[]> {
  return withRuntime("latency", (runtime) => latencyOn(runtime, log));
}

async function latencyOn(runtime: RuntimeProcess, log: (line: string) => void): Promise<BenchFigure[]> {
  const { devices, hz, seconds } = LATENCY_LOAD;
  const http = runtime.ready.http as string;
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const connected = await connectBenchDevices({ http, mqtt: runtime.ready.mqtt as string }, "lat", devices);
    clients.push(...connected.map((d) => d.client));
    const probe = connected[0] as { client: MqttClient; thing: string };
    const sentAt = new Map<number, number>();
    const ackMs: number[] = [];
    const seenMs: number[] = [];
    let behindAtEnd = 0;
    const started = Date.now();
    connected.forEach(({ client, topic }, i) => {
      let seq = 0;
      // Spread over the period, so the load is steady rather than a burst every 100 ms.
      const start = setTimeout(
        () => {
          const timer = setInterval(() => {
            const n = seq++;
            const at = performance.now();
            if (i === 0) sentAt.set(n, at);
            client.publishAsync(topic, benchReport(n), { qos: 1 }).then(
              () => {
                if (i === 0) ackMs.push(performance.now() - at);
              },
              () => undefined,
            );
          }, 1000 / hz);
          timers.push(timer);
        },
        (i * (1000 / hz)) / devices,
      );
      timers.push(start);
    });
    let seen = -1;
    while (Date.now() - started < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const response = await fetch(`${http}/api/devices/${probe.thing}`);
      if (!response.ok) continue;
      const { seq } = (await response.json()) as { seq?: number };
      const now = performance.now();
      for (let n = seen + 1; seq !== undefined && n <= seq; n++) {
        const at = sentAt.get(n);
        if (at !== undefined) seenMs.push(now - at);
        sentAt.delete(n);
      }
      if (seq !== undefined) seen = Math.max(seen, seq);
    }
    for (const timer of timers) clearInterval(timer);
    behindAtEnd = sentAt.size;
    const queryable = [...seenMs].sort((a, b) => a - b);
    const acked = [...ackMs].sort((a, b) => a - b);
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(queryable, p)) as [number, number, number];
    const ackP99 = percentile(acked, 99);
    log(
      `latency: publish → queryable p50 ${round(p50)} ms, p95 ${round(p95)} ms, p99 ${round(p99)} ms over ${queryable.length} probe messages; publish → PUBACK p99 ${round(ackP99)} ms; ${behindAtEnd} not yet queryable at the end`,
    );
    const load = `${devices * hz} msg/s offered for ${seconds} s (${devices} devices at ${hz} Hz)`;
    return [
      {
        name: "latency: publish → queryable, p99",
        value: round(p99),
        unit: "ms",
        baseline: round(ackP99),
        ratio: round(p99 / ackP99),
        detail: `${load}; p50 ${round(p50)} ms, p95 ${round(p95)} ms; baseline: publish → PUBACK p99 of the same messages; ${behindAtEnd} probe messages not yet queryable when the load stopped`,
        targets: [
          { target: "p99 ≤ 500 ms", met: p99 <= 500 },
          // No growing lag: when the load stops, at most a second of the probe's messages is still on its way.
          {
            target: `no growing lag (${behindAtEnd} probe messages still on their way at the end, ≤ ${hz})`,
            met: behindAtEnd <= hz,
          },
        ],
      },
    ];
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const client of clients) client.end(true);
  }
}
