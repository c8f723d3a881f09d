import { DescribeThingCommand, type IoTClient } from "@aws-sdk/client-iot";
import { manualClock } from "@fleetline/core/common";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, localIotClient, startRuntime, waitFor } from "./helpers.js";

/** The jobs tests' runtime (on a manual clock) and AWS IoT client: one per test file that calls `useJobsRuntime`. */
export let runtime: Runtime;
export let iot: IoTClient;
export const clock = manualClock(Date.parse("2026-12-07T08:00:00Z"));

export function useJobsRuntime(): void {
  beforeAll(async () => {
    runtime = await startRuntime({}, clock);
    iot = localIotClient(runtime.urls.http);
  });
  afterAll(async () => {
    iot?.destroy();
    await runtime?.stop();
  });
}
/** A registered robot on MQTT, recording what arrives on each topic. */
export async function robot(
  thing: string,
): Promise<{ client: MqttClient; messages: Map<string, unknown[]> }> {
  const { token } = await runtime.registry.register(thing, "robot");
  const client = await connectDevice(runtime.urls.mqtt, thing, token);
  const messages = new Map<string, unknown[]>();
  client.on("message", (topic, payload) => {
    messages.set(topic, [...(messages.get(topic) ?? []), JSON.parse(payload.toString())]);
  });
  return { client, messages };
}

/** A component's metrics in `/api/health`. */
export async function metrics(component: string): Promise<Record<string, number>> {
  const report = (await (await fetch(`${runtime.urls.http}/api/health`)).json()) as {
    components: { name: string; metrics?: Record<string, number> }[];
  };
  return report.components.find((c) => c.name === component)?.metrics ?? {};
}
export const jobsRejected = async () => (await metrics("jobs")).rejected ?? Number.NaN;
export const jobsRequests = async () => (await metrics("jobs")).requests ?? Number.NaN;
export const brokerRefused = async () => (await metrics("broker")).refused ?? Number.NaN;

export const arnOf = async (thing: string) =>
  (await iot.send(new DescribeThingCommand({ thingName: thing }))).thingArn as string;

/** Publishes a jobs request and waits for the one reply on `…/accepted` or `…/rejected`. */
export async function ask(
  device: { client: MqttClient; messages: Map<string, unknown[]> },
  topic: string,
  request: Record<string, unknown>,
): Promise<{ outcome: "accepted" | "rejected"; document: Record<string, unknown> }> {
  const seen = (outcome: string) => device.messages.get(`${topic}/${outcome}`)?.length ?? 0;
  const before = { accepted: seen("accepted"), rejected: seen("rejected") };
  await device.client.publishAsync(topic, JSON.stringify(request), { qos: 1 });
  return waitFor(() => {
    for (const outcome of ["accepted", "rejected"] as const)
      if (seen(outcome) > before[outcome])
        return {
          outcome,
          document: device.messages.get(`${topic}/${outcome}`)?.at(-1) as Record<string, unknown>,
        };
    return undefined;
  }, `a reply on ${topic}`);
}
