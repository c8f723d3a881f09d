/** Where the gate stands, for /api/health (docs/guide/reliability.md, "Overload"). */
export interface BacklogGateStats {
  /** The backlog at which new messages wait, in records read and not yet done with. */
  limit: number;
  /** Batches of messages that waited at the gate since start. */
  slowed: number;
  /** Batches waiting now. */
  waiting: number;
  /** Since when the gate has been closed (epoch ms); undefined while open. */
  closedSince?: number;
}

/** The backlog's bound by default: one shard's read-ahead. */
export const MAX_BACKLOG = 10_000;

/** A gate opens again only once the backlog has fallen this far below its limit: no flapping. */
const REOPEN_AT = 0.8;

/**
 * Slows producers while the pipeline is behind: a message for a stream waits here, unacknowledged,
 * while the event sources hold `limit` records or more that they read and have not yet done with,
 * and goes on once they are down to 80 % of it. A device's PUBACK waits with it, so a device with
 * messages in flight slows to the pace the functions keep, and what waits is bounded by the
 * devices' in-flight windows rather than by time: the backlog, and the memory it takes, stay
 * bounded under any offered load. Nothing is refused or dropped.
 */
export class BacklogGate {
  private readonly waiters: Array<() => void> = [];
  private closedSince: number | undefined;
  private slowed = 0;
  private released = false;

  constructor(
    /** The records the event sources hold now, read and not yet done with (the fullest mapping's). */
    private readonly behind: () => number,
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves at once while the backlog is under the limit; otherwise once it has come down. */
  admit(): Promise<void> | undefined {
    if (this.released) return undefined;
    if (this.closedSince === undefined) {
      if (this.behind() < this.limit) return undefined;
      this.closedSince = this.now();
    }
    this.slowed += 1;
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** The event sources moved on (a batch done): lets the waiting messages go once there is room. */
  progressed(): void {
    if (this.closedSince === undefined || this.behind() > this.limit * REOPEN_AT) return;
    this.open();
  }

  /** Lets everything through from now on: the runtime is stopping, what waits must not hang it. */
  release(): void {
    this.released = true;
    this.open();
  }

  private open(): void {
    this.closedSince = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  get stats(): BacklogGateStats {
    return {
      limit: this.limit,
      slowed: this.slowed,
      waiting: this.waiters.length,
      ...(this.closedSince === undefined ? {} : { closedSince: this.closedSince }),
    };
  }
}
