import type { JobExecutionRecord, JobRecord } from "@fleetline/core/aws";
import type { Database } from "../../stores/database.js";

const key = (jobId: string, thing: string) => `${jobId}\u0000${thing}`;

/** A job as JSON: an unlimited rate (Infinity) has no JSON form and is kept as null. */
function reviveJob(text: string): JobRecord {
  const job = JSON.parse(text) as JobRecord & { ratePerMinute: number | null };
  return { ...job, ratePerMinute: job.ratePerMinute ?? Number.POSITIVE_INFINITY };
}

/**
 * The jobs and their executions, in DuckDB on a connection of their own, and in memory: every read
 * is from memory, every change is written (and committed) before it is answered, so a job survives
 * a `kill -9` as everything else does. The executions of a job on a thing are kept in order of their
 * number; the last is the thing's current one (earlier ones were retried).
 */
export class JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly executions = new Map<string, JobExecutionRecord[]>();
  /** Things by job, and jobs by thing, that have executions. */
  private readonly thingsOf = new Map<string, Set<string>>();
  private readonly jobsOf = new Map<string, Set<string>>();

  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<JobStore> {
    await db.run("CREATE TABLE IF NOT EXISTS jobs (job_id VARCHAR PRIMARY KEY, record VARCHAR NOT NULL)");
    await db.run(`CREATE TABLE IF NOT EXISTS job_executions (
      job_id VARCHAR NOT NULL, thing VARCHAR NOT NULL, execution_number BIGINT NOT NULL, record VARCHAR NOT NULL,
      PRIMARY KEY (job_id, thing, execution_number))`);
    await db.run(`CREATE TEMP TABLE IF NOT EXISTS job_executions_staged (
      job_id VARCHAR, thing VARCHAR, execution_number BIGINT, record VARCHAR)`);
    const store = new JobStore(db);
    for (const row of await db.all<{ record: string }>("SELECT record FROM jobs")) {
      const job = reviveJob(row.record);
      store.jobs.set(job.jobId, job);
    }
    const rows = await db.all<{ record: string }>(
      "SELECT record FROM job_executions ORDER BY job_id, thing, execution_number",
    );
    for (const row of rows) store.remember(JSON.parse(row.record) as JobExecutionRecord);
    return store;
  }

  private remember(execution: JobExecutionRecord): void {
    const k = key(execution.jobId, execution.thingName);
    const list = this.executions.get(k) ?? [];
    const at = list.findIndex((e) => e.executionNumber === execution.executionNumber);
    if (at >= 0) list[at] = execution;
    else list.push(execution);
    this.executions.set(k, list);
    const things = this.thingsOf.get(execution.jobId) ?? new Set<string>();
    things.add(execution.thingName);
    this.thingsOf.set(execution.jobId, things);
    const jobs = this.jobsOf.get(execution.thingName) ?? new Set<string>();
    jobs.add(execution.jobId);
    this.jobsOf.set(execution.thingName, jobs);
  }

  job(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId);
  }

  allJobs(): JobRecord[] {
    return [...this.jobs.values()];
  }

  /** The executions of a job on a thing, oldest number first. */
  executionsOf(jobId: string, thing: string): readonly JobExecutionRecord[] {
    return this.executions.get(key(jobId, thing)) ?? [];
  }

  latest(jobId: string, thing: string): JobExecutionRecord | undefined {
    return this.executionsOf(jobId, thing).at(-1);
  }

  /** Each thing's current execution of a job. */
  latestOfJob(jobId: string): JobExecutionRecord[] {
    return [...(this.thingsOf.get(jobId) ?? [])].flatMap((thing) => this.latest(jobId, thing) ?? []);
  }

  /** A thing's current execution of each of its jobs. */
  latestOfThing(thing: string): JobExecutionRecord[] {
    return [...(this.jobsOf.get(thing) ?? [])].flatMap((jobId) => this.latest(jobId, thing) ?? []);
  }

  /** Every execution of a thing, every number. */
  allOfThing(thing: string): JobExecutionRecord[] {
    return [...(this.jobsOf.get(thing) ?? [])].flatMap((jobId) => [...this.executionsOf(jobId, thing)]);
  }

  /** Saves jobs and executions in one transaction, then keeps them in memory. */
  async save(jobs: readonly JobRecord[], executions: readonly JobExecutionRecord[]): Promise<void> {
    if (jobs.length === 0 && executions.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const job of jobs)
        await tx.run("INSERT OR REPLACE INTO jobs VALUES ($1, $2)", [job.jobId, JSON.stringify(job)]);
      if (executions.length === 1) {
        const [e] = executions as [JobExecutionRecord];
        await tx.run("INSERT OR REPLACE INTO job_executions VALUES ($1, $2, $3, $4)", [
          e.jobId,
          e.thingName,
          BigInt(e.executionNumber),
          JSON.stringify(e),
        ]);
      } else if (executions.length > 1) {
        // Many at once (a rollout's step, a cancellation): staged by the appender, then one statement.
        await tx.run("DELETE FROM job_executions_staged");
        await tx.appendTemp(
          "job_executions_staged",
          executions.map((e) => [e.jobId, e.thingName, BigInt(e.executionNumber), JSON.stringify(e)]),
        );
        await tx.run("INSERT OR REPLACE INTO job_executions SELECT * FROM job_executions_staged");
      }
    });
    for (const job of jobs) this.jobs.set(job.jobId, job);
    for (const execution of executions) this.remember(execution);
  }

  /** Removes a job and every execution of it. */
  async remove(jobId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM job_executions WHERE job_id = $1", [jobId]);
      await tx.run("DELETE FROM jobs WHERE job_id = $1", [jobId]);
    });
    this.jobs.delete(jobId);
    for (const thing of this.thingsOf.get(jobId) ?? []) {
      this.executions.delete(key(jobId, thing));
      this.jobsOf.get(thing)?.delete(jobId);
    }
    this.thingsOf.delete(jobId);
  }
}
