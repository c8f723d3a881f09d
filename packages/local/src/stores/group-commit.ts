import { CallBatcher } from "./call-batcher.js";

/**
 * Writes keyed values in groups: values that arrive while a write is under way are merged by key
 * (`merge`) and written together by the next one, so under load a busy table costs one statement per
 * round, not one per caller. Each `add` resolves once a write holding its value committed, or
 * rejects with that write's error. A `CallBatcher` whose round merges its calls into one write.
 */
export class GroupCommit<V> {
  private readonly rounds: CallBatcher<ReadonlyArray<readonly [string, V]>, void>;

  constructor(
    write: (values: ReadonlyMap<string, V>) => Promise<void>,
    merge: (earlier: V, later: V) => V = (_, later) => later,
  ) {
    this.rounds = new CallBatcher(async (adds) => {
      const values = new Map<string, V>();
      for (const entries of adds)
        for (const [key, value] of entries) {
          const earlier = values.get(key);
          values.set(key, earlier === undefined ? value : merge(earlier, value));
        }
      await write(values);
      return adds.map(() => undefined);
    }, Number.POSITIVE_INFINITY);
  }

  add(entries: Iterable<readonly [string, V]>): Promise<void> {
    const list = [...entries];
    return list.length === 0 ? Promise.resolve() : this.rounds.call(list);
  }
}
