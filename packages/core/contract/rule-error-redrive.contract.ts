import { describe, expect, it } from "vitest";
import type { RedriveRound } from "../src/redrive/index.js";
import { useFixture } from "./fixture.js";

/** What validation made of a thing's messages: how many went on to be stored, and why any were quarantined. */
export interface PipelineOutcome {
  /** On the validated stream, which the store function consumes. */
  validated: number;
  /** The quarantine reasons. */
  quarantined: string[];
}

/**
 * `fleetline redrive --rule-errors` on one target (`fleetline dev`, a stage): a telemetry message
 * the rule's action failed to put on the raw stream reaches validation again as the device's own
 * message, and counts as redriven only once it is on the raw stream.
 */
export function describeRuleErrorRedriveContract(
  name: string,
  setup: () => Promise<{
    /** A thing of the target's stage, registered. */
    thing: string;
    /** Publishes `payload` as `thing` while the raw stream refuses it: the rule's error action queues it. */
    failTelemetry(payload: string): Promise<void>;
    /** One round of the rule-errors redrive, through the target's API. */
    redrive(): Promise<RedriveRound>;
    /** The raw stream refuses every put until the returned function is called. */
    refuseRawStream(): () => void;
    /** Lets validation take what the raw stream holds, then says what became of `thing`'s messages. */
    outcome(): Promise<PipelineOutcome>;
    close(): Promise<void>;
  }>,
  report: (seq: number) => string,
) {
  describe(`${name} (rule-error redrive contract)`, () => {
    const current = useFixture(setup);

    it("stores a resubmitted telemetry message, not quarantines it", async () => {
      await current().failTelemetry(report(1));
      expect(await current().redrive()).toEqual({
        examined: 1,
        redriven: 1,
        kept: [],
        remaining: 0,
        run: expect.any(String),
      });
      expect(await current().outcome()).toEqual({ validated: 1, quarantined: [] });
      expect(await current().redrive()).toMatchObject({ examined: 0, remaining: 0 });
    });

    it("counts a message redriven only once the raw stream took it", async () => {
      await current().failTelemetry(report(2));
      const restore = current().refuseRawStream();
      let round: RedriveRound;
      try {
        round = await current().redrive();
      } finally {
        restore();
      }
      expect(round).toMatchObject({ examined: 1, redriven: 0, remaining: 1 });
      expect(round.kept).toHaveLength(1);
      expect(await current().redrive()).toMatchObject({ redriven: 1, remaining: 0 });
      expect(await current().outcome()).toEqual({ validated: 1, quarantined: [] });
    });
  });
}
