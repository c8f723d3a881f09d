import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
  IoTClient,
  type JobProcessDetails,
  ListJobExecutionsForJobCommand,
} from "@aws-sdk/client-iot";
import { LiveFleet } from "@fleetline/simulator";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** A firmware rollout to a simulated fleet of robots, as `fleetline jobs create` starts one. */
export interface RolloutPlan {
  robots: number;
  ratePerMinute: number;
  /** The share of updates that fail (the simulator's injected failure rate). */
  failureRate: number;
  /** Cancel the job once `thresholdPercentage` of at least `afterEnded` ended executions failed. */
  abort?: { afterEnded: number; thresholdPercentage: number };
  seed: string;
  /** Give up waiting for the job's end after this long (default: 3 × what the rate allows + 60 s). */
  timeoutMs?: number;
}

export interface RolloutResult {
  status: string;
  reasonCode?: string;
  comment?: string;
  /** From CreateJob to the job's end (completed, or canceled by its abort), by the service's clock. */
  tookMs: number;
  /** What the rate allows for notifying every robot: the first at once, then (robots − 1) at the rate. */
  allowedMs: number;
  /** Executions the rollout created before the job ended. */
  executions: number;
  /**
   * Their statuses once those in progress at the job's end finished too (a canceled job's
   * executions in progress run to their end): none is created after the end.
   */
  finally: Record<string, number>;
  counts: JobProcessDetails;
  /** How long registering, connecting and grouping the fleet took. */
  setupMs: number;
}

/** An IoT control-plane client for a running `fleetline dev` (its `iotEndpoint`). */
export async function localIot(url: string): Promise<IoTClient> {
  const info = (await (await fetch(`${url}/api/info`)).json()) as { iotEndpoint: string };
  return new IoTClient({
    endpoint: info.iotEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
}

/** Each execution's status, counted. */
async function statusesOf(iot: IoTClient, jobId: string): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, nextToken }));
    for (const e of page.executionSummaries ?? []) {
      const status = e.jobExecutionSummary?.status ?? "UNKNOWN";
      counted[status] = (counted[status] ?? 0) + 1;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return counted;
}

/**
 * Connects `robots` simulated robots to the runtime at `url` (they take jobs: download, install,
 * reboot; failing at `failureRate`), puts them in a thing group, creates a firmware job for the
 * group at `ratePerMinute` with the abort criterion, and follows it to its end: completed, or
 * canceled by the abort. The fleet stops before this returns.
 */
export async function runRollout(
  url: string,
  plan: RolloutPlan,
  log: (line: string) => void = () => undefined,
): Promise<RolloutResult> {
  const started = performance.now();
  const fleet = await LiveFleet.start({
    devices: plan.robots,
    type: "robot",
    // Telemetry is not what is measured: one report a minute each.
    rateHz: 1 / 60,
    seed: plan.seed,
    faults: "none",
    prefix: "ota",
    target: { kind: "local", url },
    jobs: { failureRate: plan.failureRate, timing: { installMs: 300, rebootMs: 200 } },
  });
  const iot = await localIot(url);
  try {
    const thingGroupName = `ota-robots-${plan.seed}`;
    const { thingGroupArn } = await iot.send(new CreateThingGroupCommand({ thingGroupName }));
    const things = fleet.things;
    for (let i = 0; i < things.length; i += 20)
      await Promise.all(
        things
          .slice(i, i + 20)
          .map((thingName) => iot.send(new AddThingToThingGroupCommand({ thingGroupName, thingName }))),
      );
    const setupMs = performance.now() - started;
    log(`rollout: ${things.length} robots connected and grouped in ${Math.round(setupMs / 1000)} s`);
    const jobId = `fw-rollout-${plan.seed}`;
    await iot.send(
      new CreateJobCommand({
        jobId,
        targets: [thingGroupArn as string],
        document: JSON.stringify({ operation: "firmware", version: "2.0.0", sizeBytes: 262_144 }),
        jobExecutionsRolloutConfig: { maximumPerMinute: plan.ratePerMinute },
        ...(plan.abort
          ? {
              abortConfig: {
                criteriaList: [
                  {
                    failureType: "FAILED",
                    action: "CANCEL",
                    thresholdPercentage: plan.abort.thresholdPercentage,
                    minNumberOfExecutedThings: plan.abort.afterEnded,
                  },
                ],
              },
            }
          : {}),
      }),
    );
    const allowedMs = ((plan.robots - 1) / plan.ratePerMinute) * 60_000;
    const deadline = Date.now() + (plan.timeoutMs ?? allowedMs * 3 + 60_000);
    let last = "";
    for (;;) {
      const { job } = await iot.send(new DescribeJobCommand({ jobId }));
      const d = job?.jobProcessDetails ?? {};
      const line = `${job?.status}: ${d.numberOfQueuedThings} queued, ${d.numberOfInProgressThings} in progress, ${d.numberOfSucceededThings} succeeded, ${d.numberOfFailedThings} failed`;
      if (line !== last) log(`rollout: ${line}`);
      last = line;
      if (job && job.status !== "IN_PROGRESS") {
        const ended = job.completedAt ?? job.lastUpdatedAt;
        const atEnd = await statusesOf(iot, jobId);
        let settled = atEnd;
        while ((settled.IN_PROGRESS ?? 0) > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          settled = await statusesOf(iot, jobId);
        }
        return {
          status: job.status as string,
          ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
          ...(job.comment ? { comment: job.comment } : {}),
          tookMs: (ended?.getTime() ?? Date.now()) - (job.createdAt?.getTime() ?? 0),
          allowedMs,
          executions: Object.values(atEnd).reduce((sum, n) => sum + n, 0),
          finally: settled,
          counts: d,
          setupMs,
        };
      }
      if (Date.now() > deadline) throw new Error(`the rollout did not end in time (${line})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    iot.destroy();
    await fleet.stop(5_000);
  }
}
