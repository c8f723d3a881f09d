import type { RuleMessage, RuleResubmitter } from "@fleetline/core";
import { Faults, type WithFaults, withFaults } from "./faults.js";

/** Records each message taken through a rule again, by rule. */
export class MemoryRuleResubmitter implements RuleResubmitter {
  readonly resubmitted: Array<{ ruleName: string; message: RuleMessage }> = [];

  static create(): WithFaults<MemoryRuleResubmitter> {
    return withFaults(new MemoryRuleResubmitter(), new Faults("PUBLISH_FAILED"));
  }

  async resubmit(message: RuleMessage, ruleName: string): Promise<void> {
    this.resubmitted.push({ ruleName, message: structuredClone(message) });
  }
}
