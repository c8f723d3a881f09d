import { type ConformanceCase, firstConnect, seconds } from "./case-helpers.js";
import { CaseFailure, type Session } from "./session.js";

/** The device shadow's cases: get at connect, act on a delta and report, handle a 409. */
export const SHADOW_CASES: ConformanceCase[] = [
  {
    suite: "shadow",
    name: "shadow-get",
    expects: "gets its shadow after connecting, to catch up with what was desired while it was away",
    async run(session) {
      await firstConnect(session);
      const topic = `$aws/things/${session.thing}/shadow/get`;
      await session.until(
        () => session.of("publish").find((p) => p.topic === topic),
        10_000,
        "never asked for its shadow",
      );
      return { did: `published on ${topic}` };
    },
  },
  {
    suite: "shadow",
    name: "shadow-delta",
    expects: "acts on a shadow delta and reports the new state back",
    async run(session) {
      await firstConnect(session);
      const [key, value] = session.type === "freestyle" ? ["mode", "maintenance"] : ["command", "dock"];
      const at = await desire(session, key, value);
      await session.until(
        () => reports(session, key, value, at)[0],
        15_000,
        `did not report ${key}: ${value} after the delta`,
      );
      return { did: `reported ${key}: ${value}` };
    },
  },
  {
    suite: "shadow",
    name: "shadow-conflict",
    expects: "after a 409 (version conflict) on its shadow update, gets the shadow again and reports anew",
    async run(session) {
      await firstConnect(session);
      const [key, value] = session.type === "freestyle" ? ["mode", "normal"] : ["command", "dock"];
      // Its next update loses a race with another writer: IoT Core answers 409 on …/update/rejected.
      await session.faults({ conflictShadowUpdates: 1 });
      const at = await desire(session, key, value);
      const first = await session.until(
        () => reports(session, key, value, at)[0],
        15_000,
        `did not report ${key}: ${value} after the delta`,
      );
      const again = await session.until(
        () => reports(session, key, value, first.at + 1)[0],
        15_000,
        `did not report ${key}: ${value} again after the 409 (Version conflict) on its update`,
      );
      const got = session
        .of("publish", first.at)
        .some((p) => p.at <= again.at && p.topic === `$aws/things/${session.thing}/shadow/get`);
      return {
        did: `reported ${key}: ${value} again ${seconds(again.at - first.at)} after the 409${got ? ", having got the shadow anew" : ""}`,
      };
    },
  },
];

/**
 * Sets `key` desired (and clears it from reported, so that a delta comes whatever the device
 * reported before); resolves with when.
 */
async function desire(session: Session, key: string, value: string): Promise<number> {
  const at = Date.now();
  const response = await session.api(`/things/${session.thing}/shadow`, {
    method: "POST",
    body: JSON.stringify({ state: { desired: { [key]: value }, reported: { [key]: null } } }),
  });
  if (!response.ok) throw new CaseFailure(`the shadow update was refused: ${response.status}`);
  return at;
}

/** The device's shadow updates since `since` that report `key: value`. */
function reports(session: Session, key: string, value: string, since: number) {
  const topic = `$aws/things/${session.thing}/shadow/update`;
  return session.of("publish", since).filter((p) => {
    if (p.topic !== topic) return false;
    try {
      const reported = (
        JSON.parse(p.payload.toString()) as { state?: { reported?: Record<string, unknown> } }
      ).state?.reported;
      return reported?.[key] === value;
    } catch {
      return false;
    }
  });
}
