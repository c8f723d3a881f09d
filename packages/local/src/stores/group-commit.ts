interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes keyed values in groups: values that arrive while a write is under way are merged by key
 * (`merge`) and written together by the next one, so under load a busy table costs one statement per
 * round, not one per caller. Each `add` resolves once a write holding its value committed, or
 * rejects with that write's error.
 */
export class GroupCommit<V> {
  private next: { values: Map<string, V>; waiters: Waiter[] } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (values: ReadonlyMap<string, V>) => Promise<void>,
    private readonly merge: (earlier: V, later: V) => V = (_, later) => later,
  ) {}

  add(entries: Iterable<readonly [string, V]>): Promise<void> {
    const next = this.next ?? { values: new Map<string, V>(), waiters: [] };
    let added = false;
    for (const [key, value] of entries) {
      const earlier = next.values.get(key);
      next.values.set(key, earlier === undefined ? value : this.merge(earlier, value));
      added = true;
    }
    if (!added) return Promise.resolve();
    this.next = next;
    const written = new Promise<void>((resolve, reject) => next.waiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.drain();
    return written;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const { values, waiters } = this.next;
      this.next = undefined;
      try {
        await this.write(values);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.writing = undefined;
  }
}
