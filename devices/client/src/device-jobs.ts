import type { DeviceClient } from "./device-client.js";

/** One job execution as the device gets it (`start-next`). */
export interface JobExecution {
  jobId: string;
  executionNumber: number;
  versionNumber: number;
  status: string;
  /** Where it got to: what the device last reported while running it (empty on a fresh start). */
  statusDetails: Record<string, string>;
  document: Record<string, unknown>;
}

/**
 * Thrown by a runner that stops without an outcome — the device reboots mid-job: the execution
 * stays IN_PROGRESS and is resumed from its `statusDetails` when the device is back.
 */
export class JobInterrupted extends Error {
  constructor(why = "the device restarted") {
    super(why);
    this.name = "JobInterrupted";
  }
}

/** What a device does with its jobs: the firmware's part. */
export interface JobRunner {
  /** Why this device cannot run the document (the execution is REJECTED with it), or undefined. */
  refuse(document: Record<string, unknown>): string | undefined;
  /**
   * Runs the job, from where `execution.statusDetails` says it got to when it was interrupted.
   * `progress` reports a step (IN_PROGRESS, these details) and resolves once the service has it.
   * Resolves with the details of success (SUCCEEDED); throws for FAILED (the message is the
   * reason), or JobInterrupted to stop without an outcome.
   */
  run(
    execution: JobExecution,
    progress: (details: Record<string, string>) => Promise<void>,
  ): Promise<Record<string, string>>;
}

export interface DeviceJobsOptions {
  /** How long each step may take before AWS IoT times the execution out (start-next and updates). */
  stepTimeoutInMinutes?: number;
  /** How long to wait for the service's reply to a request (default 10 s). */
  replyTimeoutMs?: number;
}

interface Reply {
  accepted: boolean;
  document: Record<string, unknown>;
}

/**
 * AWS IoT Jobs for a DeviceClient, over the Jobs MQTT API (docs/guide/jobs.md): on every connect
 * and every `notify-next` it takes the next execution (`start-next`, which hands back one in
 * progress first — a job interrupted by a reboot resumes), refuses what the runner cannot run,
 * runs the rest reporting each step, and reports SUCCEEDED or FAILED. One job at a time.
 */
export class DeviceJobs {
  private busy = false;
  /** A notify-next came while busy: look again once done. */
  private again = false;
  private tokens = 0;
  private readonly waiting = new Map<string, { resolve(reply: Reply): void; reject(error: Error): void }>();
  /** Executions ended and those refused, for tests and the simulator's summary. */
  readonly stats = { succeeded: 0, failed: 0, rejected: 0, interrupted: 0 };

  constructor(
    private readonly client: DeviceClient,
    private readonly thing: string,
    private readonly runner: JobRunner,
    private readonly options: DeviceJobsOptions = {},
  ) {}

  private topic(suffix: string): string {
    return `$aws/things/${this.thing}/jobs/${suffix}`;
  }

  /** Starts following the device's jobs: now if connected, and after every reconnect. */
  start(): void {
    this.client.on("connected", () => void this.resume());
    this.client.on("offline", () => {
      for (const { reject } of this.waiting.values()) reject(new JobInterrupted("the connection dropped"));
      this.waiting.clear();
    });
    this.client.on("message", (topic, payload) => this.onMessage(topic, payload));
    if (this.client.isConnected) void this.resume();
  }

  private async resume(): Promise<void> {
    try {
      // Another broker than AWS IoT's routes replies by subscription only: subscribe to them.
      await this.client.subscribe([
        this.topic("notify-next"),
        this.topic("start-next/accepted"),
        this.topic("start-next/rejected"),
        this.topic("+/update/accepted"),
        this.topic("+/update/rejected"),
      ]);
      await this.work();
    } catch {
      // Offline again: the next connect resumes.
    }
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    if (!topic.startsWith(this.topic(""))) return;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    } catch {
      return;
    }
    if (topic === this.topic("notify-next")) {
      if (document.execution) void this.work().catch(() => undefined);
      return;
    }
    const outcome = topic.endsWith("/accepted") ? true : topic.endsWith("/rejected") ? false : undefined;
    const token = typeof document.clientToken === "string" ? document.clientToken : undefined;
    if (outcome === undefined || token === undefined) return;
    const waiter = this.waiting.get(token);
    if (!waiter) return;
    this.waiting.delete(token);
    waiter.resolve({ accepted: outcome, document });
  }

  /** Publishes a request with a fresh clientToken and resolves with its reply. */
  private request(suffix: string, body: Record<string, unknown>): Promise<Reply> {
    this.tokens += 1;
    const clientToken = `${this.thing}-job-${this.tokens}`.slice(-64);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(clientToken);
        reject(new Error(`no reply to ${suffix} within ${this.options.replyTimeoutMs ?? 10_000} ms`));
      }, this.options.replyTimeoutMs ?? 10_000);
      this.waiting.set(clientToken, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.client.publishJson(this.topic(suffix), { ...body, clientToken }).catch((error: unknown) => {
        this.waiting.delete(clientToken);
        clearTimeout(timer);
        reject(error as Error);
      });
    });
  }

  /**
   * Takes executions one after another until none is pending. A `notify-next` that comes while it
   * is at work (say, waiting on a `start-next` that got no answer) is not lost: it goes round again.
   */
  private async work(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        try {
          await this.takeAll();
        } catch (error) {
          if (!this.again) throw error;
        }
      } while (this.again);
    } finally {
      this.busy = false;
    }
  }

  private async takeAll(): Promise<void> {
    for (;;) {
      const { stepTimeoutInMinutes } = this.options;
      const reply = await this.request("start-next", stepTimeoutInMinutes ? { stepTimeoutInMinutes } : {});
      const execution = reply.accepted
        ? (reply.document.execution as Record<string, unknown> | undefined)
        : undefined;
      if (!execution) return;
      await this.execute({
        jobId: execution.jobId as string,
        executionNumber: execution.executionNumber as number,
        versionNumber: execution.versionNumber as number,
        status: execution.status as string,
        statusDetails: (execution.statusDetails as Record<string, string> | undefined) ?? {},
        document: (execution.jobDocument as Record<string, unknown> | undefined) ?? {},
      });
    }
  }

  private async update(execution: JobExecution, status: string, statusDetails: Record<string, string>) {
    const { stepTimeoutInMinutes } = this.options;
    const reply = await this.request(`${execution.jobId}/update`, {
      status,
      statusDetails,
      executionNumber: execution.executionNumber,
      ...(status === "IN_PROGRESS" && stepTimeoutInMinutes ? { stepTimeoutInMinutes } : {}),
    });
    if (!reply.accepted)
      throw new Error(
        `${status} was refused: ${String(reply.document.code)} ${String(reply.document.message)}`,
      );
  }

  private async execute(execution: JobExecution): Promise<void> {
    const reason = this.runner.refuse(execution.document);
    if (reason !== undefined) {
      await this.update(execution, "REJECTED", { reason: reason.slice(0, 1024) || "refused" });
      this.stats.rejected += 1;
      return;
    }
    let details: Record<string, string>;
    try {
      details = await this.runner.run(execution, (step) => this.update(execution, "IN_PROGRESS", step));
    } catch (error) {
      if (error instanceof JobInterrupted) {
        this.stats.interrupted += 1;
        throw error;
      }
      await this.update(execution, "FAILED", {
        reason: ((error as Error).message || "failed").slice(0, 1024),
      });
      this.stats.failed += 1;
      return;
    }
    await this.update(execution, "SUCCEEDED", details);
    this.stats.succeeded += 1;
  }
}
