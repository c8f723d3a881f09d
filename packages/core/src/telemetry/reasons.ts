/**
 * Reject reason codes (docs/reference/contract.md §2). A rejected message is quarantined with one of these and a
 * human-readable detail; the table in docs/reference/contract.md documents each and a test keeps both in sync.
 */
export const REJECT_REASONS = [
  "MALFORMED_JSON",
  "NOT_AN_OBJECT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_VERSION",
  "MISSING_FIELD",
  "WRONG_TYPE",
  "OUT_OF_RANGE",
  "UNKNOWN_FIELD",
  "UNKNOWN_DEVICE_TYPE",
  "BAD_TOPIC",
  "THING_MISMATCH",
  "TIMESTAMP_IN_FUTURE",
  "TIMESTAMP_TOO_OLD",
  "FORBIDDEN_KEY",
  "TOO_MANY_FAULTS",
  "UNKNOWN_FAULT_CODE",
  /** Not the device's fault: validation itself failed (a defect). Kept so it can be replayed. */
  "VALIDATION_FAILED",
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  ok: false;
  reason: RejectReason;
  detail: string;
}

export function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail };
}
