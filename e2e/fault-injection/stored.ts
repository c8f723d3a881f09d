import { recordKey } from "@fleetline/core/telemetry";
import type { RuntimeProbe } from "@fleetline/local";
import type { Identity } from "./fleet-run.js";

/** The identities of the stored telemetry of things named `prefix…`. */
export async function storedIdentities(
  probe: Pick<RuntimeProbe, "query">,
  prefix: string,
): Promise<Set<string>> {
  const rows = await probe.query<{ thing: string; seq: bigint; ts: bigint }>(
    "SELECT thing, seq, ts FROM telemetry WHERE starts_with(thing, $prefix)",
    { prefix },
  );
  return new Set(
    rows.map((row) => recordKey({ thing: row.thing, seq: Number(row.seq), ts: Number(row.ts) })),
  );
}

/** Readings written twice for one message's metric: each reading must be kept once. */
export async function doubledReadings(probe: Pick<RuntimeProbe, "query">, prefix: string): Promise<number> {
  const [row] = await probe.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM (
       SELECT thing, ts, metric FROM readings WHERE starts_with(thing, $prefix)
       GROUP BY thing, ts, metric HAVING count(*) > 1)`,
    { prefix },
  );
  return Number(row?.n ?? 0);
}

/** The acknowledged messages missing from the store. */
export function missing(acked: Map<string, Identity>, stored: Set<string>): Identity[] {
  return [...acked].filter(([key]) => !stored.has(key)).map(([, identity]) => identity);
}
