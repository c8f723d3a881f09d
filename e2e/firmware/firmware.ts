import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { CreateJobCommand, DescribeJobCommand, DescribeThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type iotjobs, type iotshadow, mqtt } from "aws-iot-device-sdk-v2";
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

/** `@aws-sdk/client-iot` against the runtime's IoT control plane, at the endpoint `GET /api/info` names. */
export async function iotControlPlane(http: string): Promise<IoTClient> {
  const { iotEndpoint } = (await (await fetch(`${http}/api/info`)).json()) as { iotEndpoint: string };
  return new IoTClient({
    endpoint: iotEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
}

/**
 * A backend creates a job for a thing with `@aws-sdk/client-iot`; the device takes it with the SDK
 * v2's jobs client as firmware does — notify-next, start-next, update to SUCCEEDED — and the job
 * completes. Resolves with the job as DescribeJob then shows it.
 */
export async function runJobThroughSdk(
  http: string,
  jobs: iotjobs.IotJobsClient,
  thingName: string,
  jobId: string,
) {
  const iot = await iotControlPlane(http);
  try {
    const QoS = mqtt.QoS.AtLeastOnce;
    let heard: (event: iotjobs.model.NextJobExecutionChangedEvent) => void = () => undefined;
    let failed: (error: unknown) => void = () => undefined;
    const notified = new Promise<iotjobs.model.NextJobExecutionChangedEvent>((resolve, reject) => {
      heard = resolve;
      failed = reject;
    });
    // Subscribed (SUBACK) before the job exists, as firmware does at boot.
    await jobs.subscribeToNextJobExecutionChangedEvents({ thingName }, QoS, (error, event) =>
      error ? failed(error) : event?.execution ? heard(event) : undefined,
    );
    const { thingArn } = await iot.send(new DescribeThingCommand({ thingName }));
    await iot.send(
      new CreateJobCommand({
        jobId,
        targets: [thingArn as string],
        document: JSON.stringify({ operation: "firmware", version: "2.0.0" }),
      }),
    );
    const next = await notified;
    const started = await new Promise<iotjobs.model.StartNextJobExecutionResponse>((resolve, reject) => {
      void jobs
        .subscribeToStartNextPendingJobExecutionAccepted({ thingName }, QoS, (error, response) =>
          error || !response ? reject(error) : resolve(response),
        )
        .then(() =>
          jobs.publishStartNextPendingJobExecution(
            { thingName, clientToken: "sdk-1", stepTimeoutInMinutes: 5 },
            QoS,
          ),
        )
        .catch(reject);
    });
    const updated = await new Promise<iotjobs.model.UpdateJobExecutionResponse>((resolve, reject) => {
      void jobs
        .subscribeToUpdateJobExecutionAccepted({ thingName, jobId }, QoS, (error, response) =>
          error || !response ? reject(error) : resolve(response),
        )
        .then(() =>
          jobs.publishUpdateJobExecution(
            {
              thingName,
              jobId,
              status: "SUCCEEDED" as iotjobs.model.JobStatus,
              statusDetails: { firmware: "2.0.0" },
              expectedVersion: started.execution?.versionNumber,
              includeJobExecutionState: true,
            },
            QoS,
          ),
        )
        .catch(reject);
    });
    const { job } = await iot.send(new DescribeJobCommand({ jobId }));
    return { next, started, updated, job };
  } finally {
    iot.destroy();
  }
}
