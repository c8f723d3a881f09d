import { checkCreateJob } from "@fleetline/core/aws";
import { manualClock } from "@fleetline/core/common";
import { describe, expect, it } from "vitest";
import { JobStore } from "../src/iot/jobs/job-store.js";
import { JobsService } from "../src/iot/jobs/jobs-service.js";
import { Database } from "../src/stores/database.js";

const thingArn = (n: number) => `arn:aws:iot:us-east-1:000000000000:thing/rb-${n}`;

describe("a rollout's rate", () => {
  it("creates executions at maximumPerMinute, and after a restart goes on at that rate, not in a burst", async () => {
    const db = await Database.open(":memory:");
    try {
      const clock = manualClock(1_796_000_000_000);
      const store = await JobStore.open(db);
      const service = () => new JobsService({ store, publish: async () => undefined, clock });
      const checked = checkCreateJob(
        "fw-rate",
        {
          targets: Array.from({ length: 30 }, (_, n) => thingArn(n)),
          document: "{}",
          jobExecutionsRolloutConfig: { maximumPerMinute: 60 },
        },
        clock.now(),
        (id) => `arn:aws:iot:us-east-1:000000000000:job/${id}`,
      );
      if (!checked.ok) throw new Error(checked.error.message);
      const first = service();
      await first.change((changes) => changes.putJob(checked.value));
      const rolledOut = () => store.job("fw-rate")?.rolledOut;

      await first.tick();
      expect(rolledOut()).toBe(1);
      for (let s = 0; s < 10; s++) {
        clock.advance(1_000);
        await first.tick();
      }
      // One a second.
      expect(rolledOut()).toBe(11);

      // A restart 20 s later: the bucket holds at most 5 s worth, never the 20 s missed.
      clock.advance(20_000);
      const second = service();
      await second.tick();
      expect(rolledOut()).toBe(16);
      clock.advance(1_000);
      await second.tick();
      expect(rolledOut()).toBe(17);
    } finally {
      await db.close();
    }
  });
});
