import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type iotshadow, mqtt } from "aws-iot-device-sdk-v2";
import { type DevProcess, fleetlineAsync, startDev } from "../../packages/cli/test/dev-process.js";

export interface FirmwareRuntime {
  dev: DevProcess;
  /** A scratch directory for the file's certificates (and data). */
  dir: string;
  /** The mutual-TLS port devices connect to. */
  port: number;
}

/** A `fleetline dev` for a file of firmware tests, started with `args(dir)` beside a scratch directory. */
export async function startFirmwareRuntime(
  prefix: string,
  args: (dir: string) => string[],
): Promise<FirmwareRuntime> {
  const dir = await mkdtemp(join(process.cwd(), ".tmp", prefix));
  const dev = await startDev(args(dir));
  return { dev, dir, port: Number(new URL(dev.ready.mqtts as string).port) };
}

/** Stops it and removes its directory. */
export async function stopFirmwareRuntime(runtime: Partial<FirmwareRuntime>): Promise<void> {
  await runtime.dev?.stop();
  if (runtime.dir) await rm(runtime.dir, { recursive: true, force: true });
}

/** One of the broker's figures from `GET /api/health` (refused, connectionsOpened, …). */
export async function brokerMetric(http: string, name: string): Promise<number> {
  const health = (await (await fetch(`${http}/api/health`)).json()) as {
    components: Array<{ name: string; metrics: Record<string, number> }>;
  };
  return health.components.find((c) => c.name === "broker")?.metrics[name] ?? 0;
}

/** `fleetline simulate … --rate 5 --duration 3s --faults none --json`: its exit code and summary. */
export async function simulateBriefly(args: string[]) {
  const run = await fleetlineAsync([
    "simulate",
    ...args,
    "--rate",
    "5",
    "--duration",
    "3s",
    "--faults",
    "none",
    "--json",
  ]);
  const summary = JSON.parse(run.out.trim().split("\n").at(-1) || "{}") as { sent: number; acked: number };
  return { code: run.code, summary };
}

/**
 * The SDK's shadow client as firmware uses it: subscribes to update/accepted, reports `reported`,
 * and resolves with the accepted document.
 */
export async function reportThroughShadow(
  shadow: iotshadow.IotShadowClient,
  thingName: string,
  reported: Record<string, unknown>,
): Promise<iotshadow.model.UpdateShadowResponse> {
  const accepted = new Promise<iotshadow.model.UpdateShadowResponse>((resolve, reject) => {
    void shadow
      .subscribeToUpdateShadowAccepted({ thingName }, mqtt.QoS.AtLeastOnce, (error, response) =>
        error || !response ? reject(error) : resolve(response),
      )
      .then(() => shadow.publishUpdateShadow({ thingName, state: { reported } }, mqtt.QoS.AtLeastOnce))
      .catch(reject);
  });
  return accepted;
}
