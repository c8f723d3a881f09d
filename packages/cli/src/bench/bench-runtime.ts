import { Runtime } from "@fleetline/local";
import mqtt, { type MqttClient } from "mqtt";

/** The whole local pipeline in memory on free ports, as the benches run it. */
export function startBenchRuntime(): Promise<Runtime> {
  return Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    // A load generator: each bench connection publishes far more than IoT Core's 100 a second.
    iotLimits: false,
    version: "bench",
  });
}

/**
 * A valid dispenser report (docs/reference/contract.md §1), with metric and top-level overrides (faults,
 * `v`, …): what the benches' devices publish, and the tests' devices too.
 */
export function freestyleTelemetry(
  seq: number,
  ts: number,
  metrics: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    v: 1,
    seq,
    ts,
    metrics: {
      cabinetTempC: 4,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 1,
      cartridges: { cola: 50 },
      state: "idle",
      ...metrics,
    },
    ...overrides,
  });
}

/** A valid dispenser report made now: what the benches' devices publish. */
export function benchReport(seq: number): string {
  return freestyleTelemetry(seq, Date.now());
}

export interface BenchDevice {
  client: MqttClient;
  thing: string;
  topic: string;
}

/**
 * Registers `count` dispensers (`{prefix}-fs-{i}`) through a runtime's API (`POST /api/things`, as
 * the simulator does) and connects each to its MQTT port.
 */
export function connectBenchDevices(
  urls: { http: string; mqtt: string },
  prefix: string,
  count: number,
): Promise<BenchDevice[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const thing = `${prefix}-fs-${i}`;
      const response = await fetch(`${urls.http}/api/things`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ thing, type: "freestyle" }),
      });
      if (response.status !== 201) throw new Error(`registering ${thing}: HTTP ${response.status}`);
      const { token } = (await response.json()) as { token: string };
      const client = await mqtt.connectAsync(urls.mqtt, {
        clientId: thing,
        username: thing,
        password: token,
        reconnectPeriod: 0,
      });
      return { client, thing, topic: `dt/fleetline/freestyle/${thing}/telemetry` };
    }),
  );
}
