import { describe, expect, it } from "vitest";
import type { RedriveRound } from "../src/redrive/index.js";
import { useFixture } from "./fixture.js";

export type RedriveSource = "dead-letter" | "quarantine" | "rule-errors";

/** Rounds a run may take here before it counts as one that does not end. */
const MAX_ROUNDS = 10;

/**
 * `fleetline redrive` on one target (`fleetline dev`, a stage) with items that fail the same way
 * again — a poison record, a message no contract accepts, a rule error whose stream still refuses
 * it: the run keeps each once, where it waited, with its reason, and ends; nothing is set aside
 * anew, so nothing is taken round again.
 */
export function describeRedrivePoisonContract(
  name: string,
  setup: () => Promise<{
    /**
     * The functions of the validated stream meet a record that is no telemetry record, from their
     * event source: each dead-letters it; resolves once the pipeline is done with it.
     */
    poisonStore(): Promise<void>;
    /** A message no contract accepts, quarantined. */
    quarantineMalformed(): Promise<void>;
    /** A telemetry message in the rule-errors queue while the raw stream refuses it, and goes on refusing. */
    failRuleError(): Promise<void>;
    /** The ids waiting in a source now. */
    waiting(source: RedriveSource): Promise<string[]>;
    /** One round of a redrive through the target's API: a new run, or the given one's next. */
    round(source: RedriveSource, run?: string): Promise<RedriveRound>;
    close(): Promise<void>;
  }>,
) {
  describe(`${name} (redrive poison contract)`, () => {
    const current = useFixture(setup);

    /** A whole run, as the CLI makes it: rounds until one examines nothing. */
    async function run(source: RedriveSource) {
      const kept: RedriveRound["kept"] = [];
      let redriven = 0;
      let token: string | undefined;
      for (let rounds = 1; rounds <= MAX_ROUNDS; rounds++) {
        const round = await current().round(source, token);
        if (round.examined === 0) return { rounds, redriven, kept };
        token = round.run;
        redriven += round.redriven;
        kept.push(...round.kept);
      }
      throw new Error(`the ${source} run did not end in ${MAX_ROUNDS} rounds`);
    }

    it("keeps a poison record once, where it was, with the function's error, and ends", async () => {
      await current().poisonStore();
      // One letter per function that met the record (the store; locally the alerts function too).
      const before = await current().waiting("dead-letter");
      expect(before.length).toBeGreaterThan(0);
      const outcome = await run("dead-letter");
      expect(outcome).toMatchObject({ rounds: 2, redriven: 0 });
      expect(outcome.kept).toEqual(
        before.map((id) => ({ id, why: expect.stringContaining("RECORD_INVALID") })),
      );
      // Not dead-lettered anew under other ids: the same letters wait, and only they.
      expect(await current().waiting("dead-letter")).toEqual(before);
    });

    it("keeps a message no contract accepts once, with its reason, and ends", async () => {
      await current().quarantineMalformed();
      const before = await current().waiting("quarantine");
      const outcome = await run("quarantine");
      expect(outcome).toMatchObject({ rounds: 2, redriven: 0 });
      expect(outcome.kept).toEqual([{ id: before[0], why: expect.stringMatching(/^MALFORMED_JSON: /) }]);
      expect(await current().waiting("quarantine")).toEqual(before);
    });

    it("keeps a rule error its stream still refuses once, with the refusal, and ends", async () => {
      await current().failRuleError();
      const before = await current().waiting("rule-errors");
      expect(before).toHaveLength(1);
      const outcome = await run("rule-errors");
      expect(outcome).toMatchObject({ rounds: 2, redriven: 0 });
      expect(outcome.kept).toEqual([{ id: before[0], why: expect.any(String) }]);
      expect(await current().waiting("rule-errors")).toEqual(before);
    });
  });
}
