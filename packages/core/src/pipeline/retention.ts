/**
 * How long the stores keep what is finished (DynamoDB TTL on AWS; the local runtime deletes the
 * same rows on its schedule). Nothing live is ever expired: an open or acked alarm, a pending
 * command and an alarm state that still owes effects have no expiry.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const RETENTION = {
  /**
   * An idle alarm state (no alarm, no streak, nothing owed) is kept past the streams' 24-hour
   * retention, so a replayed report can never find it gone and raise its alarm a second time.
   */
  idleAlarmStateMs: 25 * HOUR,
  /** A cleared alert stays listed for a month. */
  clearedAlertMs: 30 * DAY,
  /** A delivered, expired or failed command stays listed for a month. */
  finishedCommandMs: 30 * DAY,
  /** A quarantined message, like a dead letter in SQS: 14 days to inspect and redrive it. */
  quarantineMs: 14 * DAY,
  /**
   * How long a report can come back into the pipeline: a day on a stream, then 14 days in the
   * dead-letter queue (SQS's longest; a poison record carries its bytes) or the quarantine, and a
   * day to spare. A thing's newest report is remembered this long, so no replay is ever news.
   */
  replayHorizonMs: 16 * DAY,
} as const;

/** DynamoDB TTL attributes are epoch seconds. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}
