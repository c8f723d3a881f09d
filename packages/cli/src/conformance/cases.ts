import { topicMatches } from "@fleetline/core/aws";
import { validate } from "@fleetline/core/telemetry";
import {
  type CaseStatus,
  type ConformanceCase,
  dropAndAwaitReturn,
  firstConnect,
  seconds,
  seqOf,
  tsOf,
} from "./case-helpers.js";
import { JOBS_CASES } from "./jobs-cases.js";
import { CaseFailure, type Session } from "./session.js";
import { SHADOW_CASES } from "./shadow-cases.js";

export const CASES: ConformanceCase[] = [
  {
    suite: "connect",
    name: "connect",
    expects: "connects over TLS/mTLS with its thing name as the client id, the identity its policy grants",
    async run(session) {
      const connect = await firstConnect(session).catch((error: Error) => {
        const refused = session.refusals[0];
        throw new CaseFailure(
          `${error.message}${refused ? ` (refused: ${refused.refusal}, ${refused.detail})` : ""}`,
        );
      });
      return {
        did: `connected as ${connect.clientId}, clean session ${connect.clean}, keep-alive ${connect.keepAliveSeconds} s`,
      };
    },
  },
  {
    suite: "telemetry",
    name: "telemetry",
    expects:
      "publishes reports valid against the device contract on dt/fleetline/{type}/{thing}/telemetry at QoS 1",
    async run(session) {
      await firstConnect(session);
      const published = await session.until(() => session.telemetry()[0], 15_000, "published no telemetry");
      const verdict = validate({
        // The envelope's payload as the rules engine writes it: base64.
        payload: published.payload.toString("base64"),
        topic: published.topic,
        type: session.type,
        thing: session.thing,
        clientId: session.thing,
        receivedAt: published.at,
        messageId: "conformance",
      });
      if (!verdict.ok)
        throw new CaseFailure(`its report was rejected: ${verdict.reason} (${verdict.detail})`);
      if (published.qos !== 1)
        throw new CaseFailure(`published at QoS ${published.qos}; the contract asks for QoS 1`);
      return { did: `seq ${verdict.record.seq} valid, QoS 1` };
    },
  },
  ...SHADOW_CASES,
  {
    suite: "qos1",
    name: "qos1-redelivery",
    expects:
      "publishes again a QoS 1 message whose PUBACK never came (same packet id with DUP on a persistent session)",
    async run(session) {
      const connect = await firstConnect(session);
      const at = Date.now();
      await session.faults({
        withholdPubacks: 1,
        withholdPubacksOn: `dt/fleetline/${session.type}/${session.thing}/telemetry`,
      });
      const withheld = await session.until(
        () => session.telemetry(at)[0],
        15_000,
        "published no telemetry to withhold the PUBACK of",
      );
      await dropAndAwaitReturn(session, 30_000);
      const again = await session.until(
        () => session.telemetry(withheld.at + 1).find((p) => p.payload.equals(withheld.payload)),
        30_000,
        "did not publish the unacknowledged message again after reconnecting",
      );
      if (!connect.clean && (again.messageId !== withheld.messageId || !again.dup))
        throw new CaseFailure(
          `resent on its persistent session as packet ${again.messageId} DUP ${again.dup}; MQTT 3.1.1 §4.4 asks for packet ${withheld.messageId} with DUP set`,
        );
      return {
        did: `resent seq ${seqOf(withheld.payload) ?? "?"} ${seconds(again.at - withheld.at)} later${connect.clean ? " (clean session: a new packet id is right)" : `, packet ${again.messageId}, DUP set`}`,
      };
    },
  },
  {
    suite: "reconnect",
    name: "reconnect-backoff",
    expects:
      "reconnects after losing the connection with jittered exponential backoff: not a tight loop, never giving up",
    async run(session) {
      await firstConnect(session);
      const at = Date.now();
      // Four refused attempts in a row: the waits between them show the backoff and its jitter.
      await session.faults({ refuseConnects: 4 });
      await session.drop();
      await session.until(
        () => session.of("connect", at).length > 0,
        60_000,
        "did not get back within 60 s of 4 refused attempts",
      );
      const attempts = session.of("connect-attempt", at).map((a) => a.at);
      const waits = [attempts[0] ?? at, ...attempts]
        .slice(1)
        .map((t, i) => t - ((i === 0 ? at : attempts[i - 1]) as number));
      if (waits.some((wait) => wait < 100))
        throw new CaseFailure(
          `retried after ${waits.map((w) => `${w} ms`).join(", ")}: a tight loop (AWS throttles CONNECTs to one a second per client id)`,
        );
      if (waits.length >= 3 && (waits.at(-1) as number) <= (waits[0] as number))
        throw new CaseFailure(`waited ${waits.map((w) => `${w} ms`).join(", ")}: the waits do not grow`);
      // Jitter: waits that grow by one exact factor bring a fleet that lost the broker back all at once.
      const ratios = waits.slice(1).map((w, i) => w / (waits[i] as number));
      if (ratios.length >= 3 && Math.max(...ratios) - Math.min(...ratios) < 0.02)
        throw new CaseFailure(
          `waited ${waits.map((w) => `${w} ms`).join(", ")}: each ×${(ratios[0] as number).toFixed(2)}, no jitter (a fleet that lost the broker together comes back together)`,
        );
      return { did: `waited ${waits.map((w) => `${w} ms`).join(", ")} between attempts` };
    },
  },
  {
    suite: "reconnect",
    name: "resubscribe",
    expects: "after a clean-session reconnect, subscribes again to what it had (the broker kept nothing)",
    async run(session) {
      const connects = session.of("connect");
      if (connects.length < 2) throw new CaseFailure("was never reconnected (run the reconnect cases)");
      const first = connects[0] as (typeof connects)[number];
      const last = connects.at(-1) as (typeof connects)[number];
      const before = new Set(
        session
          .of("subscribe", first.at)
          .filter((s) => s.at < (connects[1] as typeof first).at)
          .flatMap((s) => s.filters),
      );
      if (before.size === 0) return { status: "n/a", did: "subscribed to nothing" };
      if (!last.clean)
        return { status: "n/a", did: "uses a persistent session: the broker keeps its subscriptions" };
      const missing = await session
        .until(
          () => {
            const now = new Set(session.of("subscribe", last.at).flatMap((s) => s.filters));
            return [...before].every((f) => now.has(f)) ? [] : undefined;
          },
          15_000,
          "",
        )
        .catch(() => {
          const now = new Set(session.of("subscribe", last.at).flatMap((s) => s.filters));
          return [...before].filter((f) => !now.has(f));
        });
      if (missing.length > 0) throw new CaseFailure(`did not subscribe again to ${missing.join(", ")}`);
      return { did: `subscribed again to its ${before.size} filter(s)` };
    },
  },
  {
    suite: "session",
    name: "persistent-session",
    expects:
      "with a persistent session (clean session off), resumes it after an outage: gets the QoS 1 messages sent while it was away",
    async run(session) {
      const connect = await firstConnect(session);
      const last = session.of("connect").at(-1) ?? connect;
      if (last.clean)
        return {
          status: "n/a",
          did: "uses a clean session: the broker keeps nothing for it (see resubscribe)",
        };
      const filters = new Set(session.of("subscribe").flatMap((s) => s.filters));
      const delta = `$aws/things/${session.thing}/shadow/update/delta`;
      const topic = [...filters].some((f) => topicMatches(f, delta))
        ? delta
        : [...filters]
            .filter((f) => !f.startsWith("$"))
            .map((f) => f.replace(/\+/g, "conformance").replace(/#$/, "conformance"))[0];
      if (!topic) return { status: "n/a", did: "subscribed to nothing the run can send it" };
      // Kept away until the message is queued for it, then let back.
      await session.faults({ refuseConnects: 1_000 });
      const away = Date.now();
      await session.drop();
      await session.until(() => !session.connected, 10_000, "was still connected after the drop");
      const queuedAt = Date.now();
      const sent =
        topic === delta
          ? await session.api(`/things/${session.thing}/shadow`, {
              method: "POST",
              body: JSON.stringify({
                state: { desired: { conformance: queuedAt }, reported: { conformance: null } },
              }),
            })
          : await session.api(`/topics/${encodeURIComponent(topic)}?qos=1`, {
              method: "POST",
              body: JSON.stringify({ conformance: queuedAt }),
            });
      if (!sent.ok) throw new CaseFailure(`the message could not be sent: ${sent.status}`);
      await session.clearFaults();
      const back = await session.until(
        () => session.of("connect", away)[0],
        60_000,
        "did not get back within 60 s of the outage",
      );
      if (back.clean) throw new CaseFailure("came back with a clean session: what was queued for it is gone");
      const acked = await session.until(
        () =>
          session
            .of("acked", back.at)
            .find((a) => a.topic === topic && a.payload.toString().includes(String(queuedAt))),
        15_000,
        `did not take (PUBACK) the message queued on ${topic} while it was away`,
      );
      const resubscribed = session.of("subscribe", back.at).some((s) => s.at <= acked.at);
      return {
        did: `took the message queued on ${topic} ${seconds(acked.at - back.at)} after resuming its session${resubscribed ? " (and subscribed again, needlessly)" : ""}`,
      };
    },
  },
  {
    suite: "store-and-forward",
    name: "store-and-forward",
    expects:
      "keeps the readings it took while offline and publishes them after reconnecting, in order, none lost",
    async run(session) {
      const back = session.of("connect").at(-1);
      if (!back || session.of("connect").length < 2)
        throw new CaseFailure("was never offline (run the reconnect cases)");
      // Caught up once a reading taken after the last reconnect arrives: in order, the backlog came first.
      await session.until(
        () => session.telemetry(back.at).some((p) => (tsOf(p.payload) ?? 0) >= back.at),
        20_000,
        "published no fresh reading after reconnecting",
      );
      const seqs: number[] = [];
      for (const publish of session.telemetry()) {
        const seq = seqOf(publish.payload);
        if (seq !== undefined && !seqs.includes(seq)) seqs.push(seq);
      }
      if (seqs.length < 2) throw new CaseFailure("published fewer than two reports");
      const outOfOrder = seqs.findIndex((seq, i) => i > 0 && seq < (seqs[i - 1] as number));
      if (outOfOrder > 0)
        throw new CaseFailure(`seq ${seqs[outOfOrder]} arrived after seq ${seqs[outOfOrder - 1]}`);
      const min = seqs[0] as number;
      const max = seqs.at(-1) as number;
      const missing = Array.from({ length: max - min + 1 }, (_, i) => min + i).filter(
        (seq) => !seqs.includes(seq),
      );
      if (missing.length > 0)
        throw new CaseFailure(
          `lost seq ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""} across its outages`,
        );
      return {
        did: `seq ${min} to ${max}, none lost, in order, across ${session.of("connect").length - 1} outage(s)`,
      };
    },
  },
  {
    suite: "limits",
    name: "iot-core-limits",
    expects:
      "stays within IoT Core's per-connection limits: 100 publishes and 512 KB a second, 50 subscriptions, 8 filters a SUBSCRIBE, 128 KB payloads, no QoS 2",
    async run(session) {
      await firstConnect(session);
      const over = session.refusals.filter((r) =>
        [
          "throttled",
          "subscription-limit",
          "subscribe-filters-limit",
          "payload-too-large",
          "qos2-publish",
          "qos2-subscribe",
        ].includes(r.refusal),
      );
      if (over.length > 0)
        throw new CaseFailure(`${over.length} time(s) over: ${over[0]?.refusal} (${over[0]?.detail})`);
      return { did: `no limit reached in ${session.telemetry().length} publishes` };
    },
  },
  {
    suite: "keepalive",
    name: "keepalive",
    expects:
      "notices a half-open connection (no PINGRESP, no PUBACK) within 1.5 × its keep-alive of its unanswered PINGREQ, and reconnects",
    async run(session) {
      await firstConnect(session);
      const connect = session.of("connect").at(-1) as Extract<
        ReturnType<Session["of"]>[number],
        { kind: "connect" }
      >;
      const keepAlive = connect.keepAliveSeconds;
      if (keepAlive > 60)
        return {
          status: "n/a",
          did: `keep-alive ${keepAlive} s: longer than this suite waits (60 s at most)`,
        };
      const at = Date.now();
      // The broker goes quiet as a half-open connection does: nothing comes back.
      await session.faults({
        dropPingresp: true,
        withholdPubacks: Number.MAX_SAFE_INTEGER,
      });
      // Half-open is one connection's state: the device's next one is healthy from its first packet.
      const healed = session.onObservation((observation) => {
        if (observation.kind === "disconnect") void session.clearFaults().catch(() => undefined);
      });
      try {
        const ping = await session.until(
          () => session.of("pingreq", at)[0],
          keepAlive * 2000 + 5_000,
          `sent no PINGREQ once nothing came back (keep-alive ${keepAlive} s)`,
        );
        const back = await session.until(
          () => session.of("connect", ping.at)[0],
          keepAlive * 1500,
          `did not reconnect within 1.5 × its keep-alive (${keepAlive} s) of its unanswered PINGREQ`,
        );
        return {
          did: `pinged ${seconds(ping.at - at)} after the broker went quiet, reconnected ${seconds(back.at - ping.at)} after the unanswered PINGREQ (keep-alive ${keepAlive} s)`,
        };
      } finally {
        healed();
        await session.clearFaults();
      }
    },
  },
  ...JOBS_CASES,
];

export type { CaseStatus, ConformanceCase };

export const SUITES = [...new Set(CASES.map((c) => c.suite))];
