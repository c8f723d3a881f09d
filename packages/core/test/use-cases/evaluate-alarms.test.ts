import { memoryAlarmPorts } from "@fleetline/testing";
import { describe, expect, it, vi } from "vitest";
import {
  type AlarmState,
  type EffectFailure,
  evaluateAlarms,
  NEWEST_REPORT_STEP_MS,
  OUTBOX_CLAIM_MS,
  sweep,
} from "../../src/alarms/index.js";
import { fleetlineError } from "../../src/common/index.js";
import { RETENTION } from "../../src/pipeline/index.js";
import { batch, batteryCritical, freestyleReport, robotReport } from "./reports.js";

/** What the world saw of one thing: alerts per channel, commands in the ledger, the shadow. */
async function seen(fixture: ReturnType<typeof memoryAlarmPorts>, thing: string) {
  const { ports, channels } = fixture;
  return {
    mqtt: channels.mqtt?.published.map((p) => p.record.status) ?? [],
    sns: channels.sns?.published.map((p) => p.record.status) ?? [],
    commands: (await ports.ledger.page({ limit: 100, thing })).items,
    shadow: await ports.shadows.get(thing),
    owing: await ports.alerts.owing(100),
  };
}

describe("evaluateAlarms", () => {
  it("raises an alarm: saves it, publishes it on every channel and sends its command, tracked", async () => {
    const fixture = memoryAlarmPorts();
    const outcome = await evaluateAlarms(batch([robotReport("rb-raise", 1, batteryCritical)]), fixture.ports);
    expect(outcome.failed.size).toBe(0);
    const world = await seen(fixture, "rb-raise");
    expect(world.mqtt).toEqual(["open"]);
    expect(world.sns).toEqual(["open"]);
    expect(fixture.channels.mqtt?.published[0]?.topic).toBe("alerts/fleetline/robot/rb-raise");
    expect(world.commands).toEqual([
      expect.objectContaining({ thing: "rb-raise", desired: { command: "dock" }, status: "pending" }),
    ]);
    expect(world.commands[0]?.clientToken).toBe(world.commands[0]?.id);
    expect(world.shadow).toMatchObject({ state: { desired: { command: "dock" } }, version: 1 });
    expect(world.owing).toEqual([]);
    expect(await fixture.ports.counters.read()).toMatchObject({ alertsRaised: 1, shadowUpdates: 1 });
  });

  const effectPorts = [
    { what: "the MQTT channel", fail: (f: ReturnType<typeof memoryAlarmPorts>) => f.channels.mqtt?.failures },
    { what: "the SNS channel", fail: (f: ReturnType<typeof memoryAlarmPorts>) => f.channels.sns?.failures },
    { what: "the command ledger", fail: (f: ReturnType<typeof memoryAlarmPorts>) => f.ports.ledger.failures },
    { what: "the shadow", fail: (f: ReturnType<typeof memoryAlarmPorts>) => f.ports.shadows.failures },
  ];

  for (const { what, fail } of effectPorts) {
    for (const times of [1, 3]) {
      it(`delivers the alert and the command exactly once when ${what} fails ${times === 1 ? "once" : `${times} times`}`, async () => {
        const fixture = memoryAlarmPorts();
        const method = what === "the shadow" ? "update" : what === "the command ledger" ? "add" : "publish";
        fail(fixture)?.failNext(times, { method });
        const failures: EffectFailure[] = [];
        const ports = { ...fixture.ports, onEffectFailed: (f: EffectFailure) => failures.push(f) };
        const outcome = await evaluateAlarms(batch([robotReport("rb-once", 1, batteryCritical)]), ports);
        // The state is saved with what it owes: the record is done, nothing is retried from the stream.
        expect(outcome.failed.size).toBe(0);
        expect((await seen(fixture, "rb-once")).owing).toHaveLength(1);
        for (let sweeps = 0; sweeps < times; sweeps++) await sweep(ports);
        const world = await seen(fixture, "rb-once");
        expect(world.owing).toEqual([]);
        expect(world.mqtt).toEqual(["open"]);
        expect(world.sns).toEqual(["open"]);
        expect(world.commands).toHaveLength(1);
        expect(world.commands[0]).toMatchObject({ status: "pending", desired: { command: "dock" } });
        expect(world.shadow?.version).toBe(1);
        expect(failures).toHaveLength(times);
        expect(failures.every((f) => f.outcome === "retried later")).toBe(true);
      });
    }
  }

  it("does not send a command twice when the shadow took it but the call failed anyway", async () => {
    const fixture = memoryAlarmPorts();
    fixture.ports.shadows.failures.failNext(1, { method: "update", afterDoing: true });
    await evaluateAlarms(batch([robotReport("rb-timeout", 1, batteryCritical)]), fixture.ports);
    await sweep(fixture.ports);
    const world = await seen(fixture, "rb-timeout");
    expect(world.shadow?.version).toBe(1);
    expect(world.commands).toHaveLength(1);
    expect(world.owing).toEqual([]);
  });

  it("finishes what an earlier invocation left owed before anything new, in order", async () => {
    const fixture = memoryAlarmPorts();
    fixture.channels.mqtt?.failures.failNext(2, { method: "publish" });
    await evaluateAlarms(batch([robotReport("rb-order", 1, batteryCritical)]), fixture.ports);
    // The clear comes while the raise is still owed on MQTT: the raise goes out first.
    const clean = [2, 3, 4].map((seq) => robotReport("rb-order", seq));
    expect((await evaluateAlarms(batch(clean), fixture.ports)).failed.size).toBe(0);
    const world = await seen(fixture, "rb-order");
    expect(world.mqtt).toEqual(["open", "cleared"]);
    expect(world.sns).toEqual(["open", "cleared"]);
    expect(world.owing).toEqual([]);
    expect(world.commands).toHaveLength(1);
  });

  it("retries the batch when the alarm state cannot be saved, and then raises once", async () => {
    const fixture = memoryAlarmPorts();
    fixture.ports.alerts.failures.failNext(1, { method: "save" });
    const inputs = batch([robotReport("rb-store", 1, batteryCritical)]);
    const first = await evaluateAlarms(inputs, fixture.ports);
    expect([...first.failed.values()].map((e) => (e as { code?: string }).code)).toEqual([
      "STORE_UNAVAILABLE",
    ]);
    expect(fixture.channels.mqtt?.published).toEqual([]);
    expect((await evaluateAlarms(inputs, fixture.ports)).failed.size).toBe(0);
    const world = await seen(fixture, "rb-store");
    expect(world.mqtt).toEqual(["open"]);
    expect(world.commands).toHaveLength(1);
  });

  it("retries the batch when another writer changed the alarm meanwhile", async () => {
    const fixture = memoryAlarmPorts();
    vi.spyOn(fixture.ports.alerts, "save").mockResolvedValueOnce(false);
    const inputs = batch([robotReport("rb-race", 1, batteryCritical)]);
    const first = await evaluateAlarms(inputs, fixture.ports);
    expect([...first.failed.values()]).toEqual([
      expect.objectContaining({ code: "CONCURRENT_UPDATE", kind: "transient" }),
    ]);
    await evaluateAlarms(inputs, fixture.ports);
    expect((await seen(fixture, "rb-race")).mqtt).toEqual(["open"]);
  });

  it("gives a command up as failed, with the reason, when the shadow refuses it; the rest goes on", async () => {
    const fixture = memoryAlarmPorts();
    fixture.ports.shadows.failures.failNext(1, {
      method: "update",
      error: () => fleetlineError("PAYLOAD_TOO_LARGE", "The payload exceeds the maximum size allowed"),
    });
    const failures: EffectFailure[] = [];
    const ports = { ...fixture.ports, onEffectFailed: (f: EffectFailure) => failures.push(f) };
    await evaluateAlarms(batch([robotReport("rb-refused", 1, batteryCritical)]), ports);
    const world = await seen(fixture, "rb-refused");
    expect(world.commands).toEqual([
      expect.objectContaining({ status: "failed", error: "The payload exceeds the maximum size allowed" }),
    ]);
    expect(world.owing).toEqual([]);
    expect(failures.map((f) => f.outcome)).toEqual(["given up"]);
    expect(await fixture.ports.counters.read()).toMatchObject({ commandsFailed: 1, shadowUpdates: 0 });
  });

  it("raises nothing again for a batch replayed after its alarm cleared", async () => {
    const fixture = memoryAlarmPorts();
    const reports = [
      robotReport("rb-replay", 1, batteryCritical),
      ...[2, 3, 4].map((s) => robotReport("rb-replay", s)),
    ];
    await evaluateAlarms(batch(reports), fixture.ports);
    await evaluateAlarms(batch(reports), fixture.ports);
    const world = await seen(fixture, "rb-replay");
    expect(world.mqtt).toEqual(["open", "cleared"]);
    expect(world.commands).toHaveLength(1);
    expect((await fixture.ports.alerts.page({ limit: 10 })).items).toHaveLength(1);
  });

  it("dead-letters a record that is not a canonical record, and evaluates the others", async () => {
    const fixture = memoryAlarmPorts();
    const inputs = [
      { id: "bad", data: new TextEncoder().encode('{"thing":"rb-x"}') },
      ...batch([robotReport("rb-good", 1, batteryCritical)]),
    ];
    const outcome = await evaluateAlarms(inputs, fixture.ports);
    expect([...outcome.failed]).toEqual([
      ["bad", expect.objectContaining({ code: "RECORD_INVALID", kind: "poison" })],
    ]);
    expect(fixture.channels.mqtt?.published).toHaveLength(1);
  });

  it("locks an empty cartridge's flavor once, and a second flavor beside it, through failures", async () => {
    const fixture = memoryAlarmPorts();
    fixture.ports.shadows.failures.failNext(2, { method: "update" });
    await evaluateAlarms(batch([freestyleReport("fs-lock", 1, { cola: 0, lemon: 30 })]), fixture.ports);
    // The cola lock is still owed (the shadow failed twice): the new command asks for both.
    await evaluateAlarms(batch([freestyleReport("fs-lock", 2, { cola: 0, lemon: 0 })]), fixture.ports);
    await evaluateAlarms(batch([freestyleReport("fs-lock", 3, { cola: 0, lemon: 0 })]), fixture.ports);
    await sweep(fixture.ports);
    const world = await seen(fixture, "fs-lock");
    expect(world.commands.map((c) => c.desired)).toEqual([
      { lockedFlavors: ["cola", "lemon"] },
      { lockedFlavors: ["cola"] },
    ]);
    expect(world.shadow?.state.desired).toEqual({ lockedFlavors: ["cola", "lemon"] });
    expect(world.owing).toEqual([]);
  });
});

describe("evaluateAlarms: freshness that outlives every replay", () => {
  const HOUR = 3_600_000;
  /** A report stamped `ageMs` before the test day's second `seq`. */
  const late = (report: ReturnType<typeof robotReport>, ageMs: number) => ({
    ...report,
    ts: report.ts - ageMs,
    receivedAt: report.receivedAt,
  });

  it("acts on nothing of a late report: a fault from two days before the newest reports opens no alert", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-late";
    await evaluateAlarms(batch([2, 3, 4].map((seq) => robotReport(thing, seq))), fixture.ports);
    const outcome = await evaluateAlarms(
      batch([late(robotReport(thing, 1, batteryCritical), 48 * HOUR)]),
      fixture.ports,
    );
    expect(outcome.failed.size).toBe(0);
    const world = await seen(fixture, thing);
    expect(world.mqtt).toEqual([]);
    expect(world.commands).toEqual([]);
    expect(world.shadow).toBeUndefined();
  });

  it("does not raise a cleared alarm again from a replay, after the alarm's idle state is gone", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-replayed";
    const raising = robotReport(thing, 1, batteryCritical);
    await evaluateAlarms(batch([raising, ...[2, 3, 4].map((seq) => robotReport(thing, seq))]), fixture.ports);
    expect((await seen(fixture, thing)).mqtt).toEqual(["open", "cleared"]);
    // Past the idle state's 25 h: a store forgets it; a redrive from the dead-letter queue replays.
    fixture.clock.advance(26 * HOUR);
    await fixture.ports.alerts.forgetExpired(fixture.clock.now());
    const states = await fixture.ports.alerts.states(thing);
    expect(states.map((state) => state.code)).toEqual(["newest-report"]);
    await evaluateAlarms(batch([raising]), fixture.ports);
    expect((await seen(fixture, thing)).mqtt).toEqual(["open", "cleared"]);
    expect((await seen(fixture, thing)).commands).toHaveLength(1);
  });

  it("locks no flavor from a late report", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "fs-late-lock";
    await evaluateAlarms(batch([freestyleReport(thing, 5)]), fixture.ports);
    const empty = freestyleReport(thing, 4, { cola: 0 });
    await evaluateAlarms(batch([{ ...empty, ts: empty.ts - HOUR }]), fixture.ports);
    expect((await seen(fixture, thing)).commands).toEqual([]);
  });

  it("takes a rebooted device's first report, seq 0 at a later time, as new", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-reboot";
    await evaluateAlarms(batch([robotReport(thing, 50)]), fixture.ports);
    const rebooted = robotReport(thing, 0, batteryCritical);
    await evaluateAlarms(batch([{ ...rebooted, ts: rebooted.ts + 3_600_000 }]), fixture.ports);
    expect((await seen(fixture, thing)).mqtt).toEqual(["open"]);
  });

  it("saves a quiet thing's newest report once every few minutes of its reports, not at each", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-quiet";
    for (let seq = 1; seq <= 10; seq++) await evaluateAlarms(batch([robotReport(thing, seq)]), fixture.ports);
    const newest = async () =>
      (await fixture.ports.alerts.states(thing)).find((s) => s.code === "newest-report");
    expect(await newest()).toMatchObject({ lastSeq: 1, revision: 1 });
    const later = robotReport(thing, 11);
    await evaluateAlarms(batch([{ ...later, ts: later.ts + NEWEST_REPORT_STEP_MS }]), fixture.ports);
    expect(await newest()).toMatchObject({ lastSeq: 11, revision: 2 });
    // An alarm that changes saves it at once: no alarm state outlives the newest report it evaluated.
    await evaluateAlarms(
      batch([{ ...robotReport(thing, 12, batteryCritical), ts: later.ts + NEWEST_REPORT_STEP_MS + 1 }]),
      fixture.ports,
    );
    expect(await newest()).toMatchObject({ lastSeq: 12, revision: 3 });
  });

  it("remembers a thing's newest report for as long as anything can be replayed", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-remembered";
    await evaluateAlarms(batch([robotReport(thing, 7)]), fixture.ports);
    const [newest] = await fixture.ports.alerts.states(thing);
    expect(newest).toMatchObject({ code: "newest-report", lastSeq: 7 });
    expect(newest?.expiresAt).toBe(fixture.clock.now() + RETENTION.replayHorizonMs);
    expect(RETENTION.replayHorizonMs).toBeGreaterThan(RETENTION.quarantineMs + 24 * HOUR);
  });
});

describe("evaluateAlarms: effects once", () => {
  it("carries out an owed effect once when two settlers take the outbox at the same moment", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-two-settlers";
    fixture.channels.mqtt?.failures.failNext(1, { method: "publish" });
    await evaluateAlarms(batch([robotReport(thing, 1, batteryCritical)]), fixture.ports);
    expect((await seen(fixture, thing)).owing).toHaveLength(1);
    // The schedule's sweep and the thing's next invocation, at once.
    await Promise.all([
      sweep(fixture.ports),
      evaluateAlarms(batch([robotReport(thing, 2, batteryCritical)]), fixture.ports),
      sweep(fixture.ports),
    ]);
    await sweep(fixture.ports);
    const world = await seen(fixture, thing);
    expect(world.owing).toEqual([]);
    expect(world.mqtt).toEqual(["open"]);
    expect(world.sns).toEqual(["open"]);
    expect(world.commands).toHaveLength(1);
    expect(await fixture.ports.counters.read()).toMatchObject({ shadowUpdates: 1 });
  });

  it("lets a claim its settler left behind lapse: the effect is carried out once it has", async () => {
    const fixture = memoryAlarmPorts();
    const thing = "rb-left-claim";
    fixture.channels.mqtt?.failures.failNext(1, { method: "publish" });
    await evaluateAlarms(batch([robotReport(thing, 1, batteryCritical)]), fixture.ports);
    const [owing] = await fixture.ports.alerts.owing(10);
    // A settler took the outbox and crashed before carrying anything out.
    const held = {
      ...owing,
      claimedUntil: fixture.clock.now() + OUTBOX_CLAIM_MS,
      revision: (owing?.revision ?? 0) + 1,
    };
    await fixture.ports.alerts.save({
      expectedRevision: owing?.revision ?? 0,
      next: held as AlarmState,
      alerts: [],
    });
    await sweep(fixture.ports);
    expect((await seen(fixture, thing)).mqtt).toEqual([]);
    fixture.clock.advance(OUTBOX_CLAIM_MS + 1);
    await sweep(fixture.ports);
    expect((await seen(fixture, thing)).mqtt).toEqual(["open"]);
    expect((await seen(fixture, thing)).owing).toEqual([]);
  });
});
