import { decodeBase64, decodeUtf8, encodeBase64 } from "../common/bytes.js";
import { fleetlineError } from "../common/errors.js";
import type { SortPosition } from "../common/paging.js";

/**
 * Where a redrive run is (docs/reference/api.md): when it began — it takes only what was waiting
 * then, so what the pipeline sets aside meanwhile (a record failing again) is the next run's — and
 * the last item it examined, which every round moves past. A run therefore examines each item at
 * most once and ends; what it kept stays where it waited, behind its position, and the token stays
 * this small however much it kept.
 */
export interface RedriveRun {
  startedAt: number;
  after?: SortPosition;
  /**
   * What was waiting when the run began and has not gone through since, where a source can only
   * count by reading every item (the quarantine on DynamoDB): counted once per run, not per round.
   */
  waiting?: number;
}

export function encodeRun(run: RedriveRun): string {
  const fields: unknown[] = [run.startedAt, run.waiting ?? null];
  if (run.after) fields.push(run.after.at, run.after.id);
  const base64 = encodeBase64(new TextEncoder().encode(JSON.stringify(fields)));
  return base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The run a token names; REQUEST_INVALID for anything a redrive round did not hand out. */
export function decodeRun(token: string): RedriveRun {
  const invalid = () => fleetlineError("REQUEST_INVALID", "run: not a run a redrive round handed out");
  if (token.length > 400 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const base64 = token.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = decodeBase64(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  let fields: unknown;
  try {
    fields = JSON.parse((bytes && decodeUtf8(bytes)) ?? "");
  } catch {
    throw invalid();
  }
  if (!Array.isArray(fields) || !Number.isSafeInteger(fields[0])) throw invalid();
  const [startedAt, waiting, at, id] = fields as [number, unknown, unknown, unknown];
  if (waiting !== null && !(Number.isSafeInteger(waiting) && (waiting as number) >= 0)) throw invalid();
  const run: RedriveRun = { startedAt, ...(waiting === null ? {} : { waiting: waiting as number }) };
  if (fields.length === 2) return run;
  if (fields.length !== 4 || !Number.isSafeInteger(at) || typeof id !== "string" || id === "")
    throw invalid();
  return { ...run, after: { at: at as number, id } };
}
