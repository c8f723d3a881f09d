import type { SweepOutcome } from "@fleetline/core/alarms";
import type { Clock } from "@fleetline/core/common";
import { abortableSleep } from "../lib/abortable-sleep.js";

export interface ScheduleOptions {
  intervalMs: number;
  clock: Clock;
  /** The sweep function, as EventBridge would invoke it. */
  sweep: () => Promise<SweepOutcome>;
  /** DynamoDB's TTL, locally: deletes what has expired. */
  forgetExpired: (now: number) => Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * The local stand-in for the EventBridge schedule that invokes the sweep function every minute,
 * and for DynamoDB's TTL: after each sweep, what has expired is deleted. One run at a time; a
 * failed run is reported and the next comes on time.
 */
export class Schedule {
  lastRun: { at: number; outcome?: SweepOutcome; error?: string } | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ScheduleOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  private running: Promise<unknown> = Promise.resolve();

  /** One sweep now, after any in progress (the schedule's next still comes on time). */
  runOnce(): Promise<SweepOutcome | undefined> {
    const run = this.running.then(() => this.sweepOnce());
    this.running = run;
    return run;
  }

  private async sweepOnce(): Promise<SweepOutcome | undefined> {
    const at = this.options.clock.now();
    try {
      const outcome = await this.options.sweep();
      await this.options.forgetExpired(this.options.clock.now());
      this.lastRun = { at, outcome };
      return outcome;
    } catch (error) {
      this.lastRun = { at, error: error instanceof Error ? error.message : String(error) };
      this.options.onError?.(error);
      return undefined;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await abortableSleep(this.options.intervalMs, this.stopping.signal);
      if (!this.stopping.signal.aborted) await this.runOnce();
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.running;
  }
}
