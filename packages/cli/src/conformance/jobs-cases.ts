import { UPDATE_OPERATIONS } from "@fleetline/core/commands";
import { type ConformanceCase, firstConnect, seconds } from "./case-helpers.js";
import { CaseFailure, type Session } from "./session.js";

const FINAL = ["SUCCEEDED", "FAILED", "REJECTED"];

/** Creates a job for the device (an update its type runs): its id and what it asks. */
async function createJob(session: Session): Promise<{ jobId: string; asks: string }> {
  const jobId = `conformance-${Date.now()}`;
  const operation = UPDATE_OPERATIONS[session.type];
  const document =
    operation === "firmware"
      ? { operation, version: "9.9.9", sizeBytes: 1024 }
      : { operation, version: "conformance", flavors: ["cola", "lemon"] };
  const created = await session.api(`/jobs/${jobId}`, {
    method: "PUT",
    body: JSON.stringify({
      targets: [`arn:aws:iot:us-east-1:000000000000:thing/${session.thing}`],
      document: JSON.stringify(document),
    }),
  });
  if (!created.ok)
    throw new CaseFailure(`the job could not be created: ${created.status} ${await created.text()}`);
  return { jobId, asks: `${operation} ${document.version}` };
}

/** The statuses the device reported for the job since `since`, in order. */
function statuses(session: Session, jobId: string, since: number): string[] {
  const topic = `$aws/things/${session.thing}/jobs/${jobId}/update`;
  return session
    .of("publish", since)
    .filter((p) => p.topic === topic)
    .map((p) => {
      try {
        return String((JSON.parse(p.payload.toString()) as { status?: unknown }).status);
      } catch {
        return "";
      }
    });
}

/** Waits for a final status of the job reported since `since`; all it reported by then. */
function finished(session: Session, jobId: string, since: number, what: string): Promise<string[]> {
  return session.until(
    () => {
      const all = statuses(session, jobId, since);
      return all.some((status) => FINAL.includes(status)) ? all : undefined;
    },
    60_000,
    `${what}${statuses(session, jobId, since).length ? `: reported ${statuses(session, jobId, since).join(", ")}` : ""}`,
  );
}

/** AWS IoT Jobs' cases: take the next job and finish it, and resume one after a reboot. */
export const JOBS_CASES: ConformanceCase[] = [
  {
    suite: "jobs",
    name: "jobs",
    expects: "takes its next job (AWS IoT Jobs), reports IN_PROGRESS, then a final state",
    async run(session) {
      await firstConnect(session);
      const at = Date.now();
      const { jobId, asks } = await createJob(session);
      const seen = await finished(session, jobId, at, `did not finish job ${jobId} (${asks})`).catch(
        (error) => {
          if (statuses(session, jobId, at).length === 0)
            throw new CaseFailure(`did not finish job ${jobId} (${asks}): never took it`);
          throw error;
        },
      );
      const ended = seen.find((status) => FINAL.includes(status)) as string;
      if (ended !== "REJECTED" && !seen.includes("IN_PROGRESS"))
        throw new CaseFailure(`reported ${ended} without IN_PROGRESS first`);
      return { did: `reported ${seen.join(" → ")} for ${asks}` };
    },
  },
  {
    suite: "jobs",
    name: "jobs-reboot",
    expects:
      "rebooted mid-job, takes the IN_PROGRESS execution back after the restart (start-next hands it out first) and finishes it",
    async run(session) {
      if (!session.device.ours)
        return { status: "n/a", did: "started outside the run: it cannot be rebooted from here" };
      await firstConnect(session);
      let jobId = "";
      let rebooting: Promise<void> | undefined;
      let rebootedAt = 0;
      // Power lost the moment the device says it is at work on the job: before it can finish.
      const stop = session.onObservation((observation) => {
        if (
          rebooting ||
          observation.kind !== "publish" ||
          !observation.topic.endsWith(`/jobs/${jobId}/update`)
        )
          return;
        if (!observation.payload.toString().includes('"IN_PROGRESS"')) return;
        rebootedAt = Date.now();
        rebooting = session.device.restart();
      });
      try {
        const created = await createJob(session);
        jobId = created.jobId;
        await session.until(
          () => rebooting,
          60_000,
          `never reported IN_PROGRESS for job ${jobId} (${created.asks})`,
        );
        await rebooting;
        const seen = await finished(
          session,
          jobId,
          rebootedAt,
          `did not finish job ${jobId} after the reboot: it stays IN_PROGRESS`,
        );
        return {
          did: `rebooted at IN_PROGRESS; back, it reported ${seen.join(" → ")} ${seconds(Date.now() - rebootedAt)} later`,
        };
      } finally {
        stop();
      }
    },
  },
];
