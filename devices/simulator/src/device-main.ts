import { readFileSync } from "node:fs";
import { isDeviceType } from "@fleetline/core/devices";
import { DeviceClient, DeviceJobs, MqttTransport } from "@fleetline/device-client";
import { updateRunner } from "./jobs/update-runner.js";
import type { DeviceModel } from "./models/device-model.js";
import { FreestyleModel } from "./models/freestyle-model.js";
import { RobotModel } from "./models/robot-model.js";
import { createRandom } from "./random.js";

/**
 * One simulated device as a process of its own, on the device client: what `fleetline conformance`
 * runs as the project's own device (docs/guide/conformance.md). Its connection comes from the
 * environment `fleetline conformance` sets: FLEETLINE_MQTT_URL, FLEETLINE_THING, FLEETLINE_TOKEN,
 * FLEETLINE_DEVICE_TYPE, and for mutual TLS FLEETLINE_CERT, FLEETLINE_KEY, FLEETLINE_CA (paths).
 */
export async function runDevice(env: Record<string, string | undefined>): Promise<void> {
  const { FLEETLINE_MQTT_URL: url, FLEETLINE_THING: thing, FLEETLINE_DEVICE_TYPE: type } = env;
  if (!url || !thing || !isDeviceType(type))
    throw new Error("set FLEETLINE_MQTT_URL, FLEETLINE_THING and FLEETLINE_DEVICE_TYPE (freestyle or robot)");
  const read = (path: string | undefined) => (path ? readFileSync(path, "utf8") : undefined);
  const transport = new MqttTransport({
    url,
    clientId: thing,
    ...(env.FLEETLINE_TOKEN ? { username: thing, password: env.FLEETLINE_TOKEN } : {}),
    ...(env.FLEETLINE_CERT
      ? { cert: read(env.FLEETLINE_CERT), key: read(env.FLEETLINE_KEY), ca: read(env.FLEETLINE_CA) }
      : {}),
    // IoT Core's shortest: a lost broker is noticed within 45 s.
    keepaliveSeconds: 30,
  });
  const random = createRandom(thing);
  const model: DeviceModel =
    type === "freestyle"
      ? new FreestyleModel(random, { faults: false })
      : new RobotModel(random, { faults: false });
  const client = new DeviceClient({ thing, type, transport });
  // Its jobs (AWS IoT Jobs): a dispenser applies a catalogue, a robot installs firmware and reboots.
  const jobs = new DeviceJobs(
    client,
    thing,
    updateRunner({ thing, type, model, random, phase: 0 }, client, { chaos: false, failureRate: 0 }),
  );
  jobs.start();
  client.on("delta", (desired) => {
    const reported = model.applyDesired(desired);
    if (Object.keys(reported).length > 0) void client.reportState(reported).catch(() => undefined);
  });
  await client.start();
  const rateHz = Number(env.FLEETLINE_RATE_HZ ?? 1);
  const timer = setInterval(() => client.send(model.step(Date.now())), 1000 / rateHz);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  clearInterval(timer);
  await client.close(2_000);
}
