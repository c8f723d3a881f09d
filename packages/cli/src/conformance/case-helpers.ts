import { CaseFailure, type Session } from "./session.js";

/** What the conformance cases share: the first connection, a report's fields, an outage. */

export type CaseStatus = "passed" | "failed" | "n/a";

export interface ConformanceCase {
  /** The suite it belongs to (`--suite`). */
  suite: string;
  name: string;
  /** What AWS IoT expects of a device, in one sentence. */
  expects: string;
  /** Resolves with what the device did; throws CaseFailure when it did not. */
  run(session: Session): Promise<{ status?: CaseStatus; did: string }>;
}

const CONNECT_MS = 20_000;
/** A device started by hand (`--host`, no command) gets longer. */
const CONNECT_BY_HAND_MS = 120_000;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The first connection, or a failure saying why there is none. */
export async function firstConnect(session: Session) {
  // Waited for once: a device that never connected fails every case that needs it, at once.
  if (session.neverConnected) throw new CaseFailure(`never connected as ${session.thing}`);
  try {
    return await session.until(
      () => session.of("connect")[0],
      session.device.ours ? CONNECT_MS : CONNECT_BY_HAND_MS,
      `never connected as ${session.thing}`,
    );
  } catch (error) {
    if (session.of("connect").length === 0) session.neverConnected = true;
    throw error;
  }
}

/** A number field of a report (`seq`, `ts`), if the payload is a report that has it. */
function reportNumber(payload: Buffer, field: "seq" | "ts"): number | undefined {
  try {
    const value = (JSON.parse(payload.toString("utf8")) as Record<string, unknown>)[field];
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

export const seqOf = (payload: Buffer) => reportNumber(payload, "seq");
export const tsOf = (payload: Buffer) => reportNumber(payload, "ts");

/** Drops the connection and waits for the device to be back. */
export async function dropAndAwaitReturn(session: Session, timeoutMs: number): Promise<number> {
  const at = Date.now();
  await session.drop();
  await session.until(
    () => session.of("connect", at).length > 0,
    timeoutMs,
    "did not reconnect after the connection dropped",
  );
  return at;
}
