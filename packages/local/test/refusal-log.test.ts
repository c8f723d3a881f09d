import { describe, expect, it } from "vitest";
import { RefusalLog } from "../src/runtime/refusal-log.js";

describe("the refusal log", () => {
  it("logs a client's first refusal of a kind, then one a minute with how many went unlogged", () => {
    let now = 0;
    const log = new RefusalLog(() => now);
    expect(log.take("fs-1", "throttled")).toEqual({ log: true, unlogged: 0 });
    for (let i = 0; i < 5; i++) expect(log.take("fs-1", "throttled").log).toBe(false);
    // Another client, another kind: logged at once.
    expect(log.take("fs-2", "throttled").log).toBe(true);
    expect(log.take("fs-1", "pipeline-behind").log).toBe(true);
    now = 60_000;
    expect(log.take("fs-1", "throttled")).toEqual({ log: true, unlogged: 5 });
    expect(log.take("fs-1", "throttled").log).toBe(false);
  });
});
