import { CreateJobCommand, DescribeJobExecutionCommand, IoTClient } from "@aws-sdk/client-iot";
import { Runtime } from "@fleetline/local";
import { waitFor } from "@fleetline/testing";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../src/device-client.js";
import { DeviceJobs, type JobExecution, JobInterrupted } from "../src/device-jobs.js";
import { MqttTransport } from "../src/mqtt-transport.js";

let runtime: Runtime;
let iot: IoTClient;

beforeAll(async () => {
  runtime = await Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    httpPort: 0,
    wsPort: 0,
    kinesisPort: 0,
    version: "test",
  });
  iot = new IoTClient({
    endpoint: runtime.urls.http,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
});

afterAll(async () => {
  iot?.destroy();
  await runtime?.stop();
});

async function createJob(jobId: string, thing: string, document: object): Promise<void> {
  await iot.send(
    new CreateJobCommand({
      jobId,
      targets: [`arn:aws:iot:us-east-1:000000000000:thing/${thing}`],
      document: JSON.stringify(document),
    }),
  );
}

const execution = async (jobId: string, thingName: string) =>
  (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName }))).execution;

describe("DeviceJobs against the local runtime", () => {
  it("refuses what it cannot run, resumes an execution a reboot interrupted from its last step, and reports the outcome", async () => {
    const thing = "rb-device-jobs";
    const { token } = await runtime.registry.register(thing, "robot");
    const client = new DeviceClient({
      thing,
      type: "robot",
      transport: new MqttTransport({
        url: runtime.urls.mqtt,
        clientId: thing,
        username: thing,
        password: token,
      }),
    });
    const runs: Array<{ jobId: string; from: string | undefined }> = [];
    let installed: string | undefined;
    const jobs = new DeviceJobs(client, thing, {
      refuse: (document) =>
        document.operation === "firmware"
          ? undefined
          : `a robot runs firmware jobs only, not ${String(document.operation)}`,
      run: async (job: JobExecution, progress) => {
        runs.push({ jobId: job.jobId, from: job.statusDetails.step });
        const version = String(job.document.version);
        if (job.statusDetails.step === "rebooting" && installed === version) return { firmware: version };
        if (version === "9.9.9") throw new Error("flash write error");
        await progress({ step: "installing" });
        installed = version;
        await progress({ step: "rebooting" });
        await client.reboot(50);
        throw new JobInterrupted();
      },
    });
    await client.start();
    jobs.start();
    try {
      await createJob("menu-on-robot", thing, { operation: "catalogue", flavors: ["cola"] });
      await createJob("fw-3-0-0", thing, { operation: "firmware", version: "3.0.0" });
      await createJob("fw-9-9-9", thing, { operation: "firmware", version: "9.9.9" });

      // The device counts an outcome once the service accepted it.
      await waitFor(() => jobs.stats.failed === 1, "fw-9-9-9 reported FAILED");
      expect((await execution("fw-9-9-9", thing))?.status).toBe("FAILED");
      expect(await execution("menu-on-robot", thing)).toMatchObject({
        status: "REJECTED",
        statusDetails: { detailsMap: { reason: "a robot runs firmware jobs only, not catalogue" } },
      });
      expect(await execution("fw-3-0-0", thing)).toMatchObject({
        status: "SUCCEEDED",
        statusDetails: { detailsMap: { firmware: "3.0.0" } },
      });
      expect(await execution("fw-9-9-9", thing)).toMatchObject({
        statusDetails: { detailsMap: { reason: "flash write error" } },
      });
      // fw-3-0-0 ran twice: from the start, then — after the reboot — from the step it had reported.
      expect(runs).toEqual([
        { jobId: "fw-3-0-0", from: undefined },
        { jobId: "fw-3-0-0", from: "rebooting" },
        { jobId: "fw-9-9-9", from: undefined },
      ]);
      expect(jobs.stats).toEqual({ succeeded: 1, failed: 1, rejected: 1, interrupted: 1 });
    } finally {
      await client.close();
    }
  });

  it("takes a job whose notify-next came while its start-next was still unanswered", async () => {
    const thing = "fs-device-jobs-again";
    const { token } = await runtime.registry.register(thing, "freestyle");
    const broker = runtime.broker;
    if (!broker) throw new Error("no embedded broker");
    const startNext = `$aws/things/${thing}/jobs/start-next`;
    // The first start-next goes unanswered, as over a connection that went half-open.
    broker.faults.set(thing, { withholdPubacks: 1, withholdPubacksOn: startNext });
    const asked: string[] = [];
    const onObserved = (o: { kind: string; clientId: string; topic?: string }) => {
      if (o.kind === "publish" && o.clientId === thing && o.topic === startNext) asked.push(o.topic);
    };
    broker.on("observed", onObserved);
    const client = new DeviceClient({
      thing,
      type: "freestyle",
      transport: new MqttTransport({
        url: runtime.urls.mqtt,
        clientId: thing,
        username: thing,
        password: token,
      }),
    });
    const notified: string[] = [];
    client.on("message", (topic) => {
      if (topic.endsWith("/jobs/notify-next")) notified.push(topic);
    });
    const jobs = new DeviceJobs(
      client,
      thing,
      { refuse: () => undefined, run: async () => ({ applied: "yes" }) },
      { replyTimeoutMs: 600_000 },
    );
    await client.start();
    jobs.start();
    try {
      await waitFor(() => asked.length === 1, "the first start-next");
      await createJob("menu-while-busy", thing, { operation: "catalogue", flavors: ["cola"] });
      await waitFor(() => notified.length > 0, "notify-next, while start-next is unanswered");
      // The lost start-next's answer comes at last: nothing pending then.
      await broker
        .source()
        .publish(
          `${startNext}/accepted`,
          new TextEncoder().encode(JSON.stringify({ clientToken: `${thing}-job-1`, timestamp: 1 })),
          1,
        );
      await waitFor(() => jobs.stats.succeeded === 1, "the job taken after all");
      expect((await execution("menu-while-busy", thing))?.status).toBe("SUCCEEDED");
    } finally {
      broker.off("observed", onObserved);
      broker.faults.clear(thing);
      await client.close();
    }
  });
});
