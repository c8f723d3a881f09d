/** A message as a topic rule received it, and as its error action kept it. */
export interface RuleMessage {
  topic: string;
  payload: Uint8Array;
  /** The publisher's client id; "n/a" when unknown. */
  clientId: string;
}

/** Takes a message through a topic rule again: the local rules engine, or AWS IoT's message broker. */
export interface RuleResubmitter {
  /**
   * Runs `message` through the rule named `ruleName` (as the rule's error action reported it);
   * rejects with why when the message cannot be taken through it again.
   */
  resubmit(message: RuleMessage, ruleName: string): Promise<void>;
}
