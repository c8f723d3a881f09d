/** Why the broker refused a client or a packet; each is counted and logged by thing. */
export const REFUSALS = [
  "bad-credentials",
  "tls-handshake",
  "bad-certificate",
  "unknown-thing",
  "client-id-mismatch",
  "publish-denied",
  "subscribe-denied",
  "payload-too-large",
  "qos2-publish",
  "qos2-subscribe",
  "retain-denied",
  "packet-too-large",
  "connection-limit",
  "browser-page",
] as const;

export type Refusal = (typeof REFUSALS)[number];

export type RefusalCounts = Record<Refusal, number>;

export function emptyRefusalCounts(): RefusalCounts {
  return Object.fromEntries(REFUSALS.map((refusal) => [refusal, 0])) as RefusalCounts;
}
