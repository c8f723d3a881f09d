import {
  AddThingToThingGroupCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  DescribeJobCommand,
} from "@aws-sdk/client-iot";
import { type BenchFigure, round } from "./query-bench.js";
import { localIot, runRollout } from "./rollout.js";
import { withRuntime } from "./runtime-process.js";

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

/**
 * The rollout: 1,000 simulated robots, `maximumPerMinute` 300, 2 % of updates failing, no abort.
 * Baseline: the time the rate allows, (1,000 − 1) / 300 minutes.
 */
async function rolloutFigure(log: (line: string) => void): Promise<BenchFigure> {
  const result = await withRuntime("jobs", (runtime) =>
    runRollout(
      runtime.ready.http as string,
      { robots: 1_000, ratePerMinute: 300, failureRate: 0.02, seed: "bench" },
      log,
    ),
  );
  const took = result.tookMs / 1000;
  const allowed = result.allowedMs / 1000;
  const ratio = round(took / allowed);
  const d = result.counts;
  return {
    name: "jobs: a firmware rollout to 1,000 simulated robots at maximumPerMinute 300, 2 % failing",
    value: round(took),
    unit: "s",
    baseline: round(allowed),
    ratio,
    detail: `${result.status}: ${d.numberOfSucceededThings} succeeded, ${d.numberOfFailedThings} failed, ${result.executions} executions; baseline = what the rate allows; fleet set up in ${Math.round(result.setupMs / 1000)} s`,
    targets: [
      {
        target: "completes within ±10 % of the time the rate allows",
        met: result.status === "COMPLETED" && Math.abs(ratio - 1) <= 0.1,
      },
    ],
  };
}

/**
 * Memory: 10,000 registered things in a thing group, then a job for the group with no rollout rate
 * — 10,000 executions queued at once, no device connected to take them. Baseline: the runtime's
 * resident memory before the job.
 */
async function queuedFigure(log: (line: string) => void): Promise<BenchFigure> {
  const things = Array.from({ length: 10_000 }, (_, n) => `rb-q-${String(n).padStart(5, "0")}`);
  return withRuntime("jobs", async (runtime) => {
    const url = runtime.ready.http as string;
    const iot = await localIot(url);
    try {
      await inBatches(things, 20, (thing) =>
        fetch(`${url}/api/things`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ thing, type: "robot" }),
        }).then((response) => response.arrayBuffer()),
      );
      const thingGroupName = "queued-robots";
      const { thingGroupArn } = await iot.send(new CreateThingGroupCommand({ thingGroupName }));
      await inBatches(things, 20, (thingName) =>
        iot.send(new AddThingToThingGroupCommand({ thingGroupName, thingName })),
      );
      log(`jobs: ${things.length} things registered and grouped`);
      const before = (await runtime.rssMb()) ?? 0;
      const created = performance.now();
      await iot.send(
        new CreateJobCommand({
          jobId: "queued-10k",
          targets: [thingGroupArn as string],
          document: JSON.stringify({ operation: "firmware", version: "2.0.0" }),
        }),
      );
      const createMs = performance.now() - created;
      const described = performance.now();
      const { job } = await iot.send(new DescribeJobCommand({ jobId: "queued-10k" }));
      const describeMs = performance.now() - described;
      const queued = job?.jobProcessDetails?.numberOfQueuedThings ?? 0;
      const after = (await runtime.rssMb()) ?? 0;
      const grew = after - before;
      return {
        name: "jobs: the runtime's memory holding 10,000 queued executions",
        value: after,
        unit: "MB",
        baseline: before,
        ratio: round(after / Math.max(1, before)),
        detail: `${queued} queued: +${grew} MB (${round((grew * 1024) / Math.max(1, queued))} KB each); CreateJob took ${Math.round(createMs)} ms, DescribeJob ${Math.round(describeMs)} ms`,
        targets: [
          { target: "10,000 executions queued", met: queued === 10_000 },
          { target: "≤ 100 MB more than before", met: grew <= 100 },
        ],
      };
    } finally {
      iot.destroy();
    }
  });
}

/** AWS IoT Jobs locally: a rollout's time against its rate, and the memory of a large queue. */
export async function jobsBench(log: (line: string) => void): Promise<BenchFigure[]> {
  return [await rolloutFigure(log), await queuedFigure(log)];
}
