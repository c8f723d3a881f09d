import { computeDelta } from "../aws/shadow/shadow-merge.js";
import type { Command } from "../commands/command.js";
import { errorKind, fleetlineError } from "../common/errors.js";
import { count } from "../pipeline/counters.js";
import { FUNCTION_TIMEOUT_S } from "../pipeline/wiring.js";
import { type AlarmState, stateToSave } from "./alarm-machine.js";
import type { AlarmPorts } from "./alarm-ports.js";
import { COMMAND_TTL_MS } from "./alarm-rules.js";
import type { AlertRecord } from "./alert.js";
import type { Effect } from "./effects.js";

/** One publish effect per channel for an alert change, in channel-name order. */
export function publishEffects(
  alert: AlertRecord,
  ports: Pick<AlarmPorts, "publishers" | "newId">,
): Effect[] {
  return Object.keys(ports.publishers)
    .sort()
    .map((channel) => ({ id: ports.newId(), kind: "publish", channel, alert }));
}

/** A command effect: its id is also the shadow update's clientToken, so the device can tell which it is. */
export function commandEffect(
  thing: string,
  desired: Record<string, unknown>,
  ports: Pick<AlarmPorts, "clock" | "newId">,
): Effect {
  const now = ports.clock.now();
  const id = ports.newId();
  const command: Command = {
    id,
    thing,
    desired,
    clientToken: id,
    status: "pending",
    createdAt: now,
    expiresAt: now + COMMAND_TTL_MS,
  };
  return { id, kind: "command", command };
}

/** True when the shadow already desires everything the command asks for (an earlier attempt got through). */
async function alreadyDesired(command: Command, ports: AlarmPorts): Promise<boolean> {
  const shadow = await ports.shadows.get(command.thing);
  return Object.keys(computeDelta(command.desired, shadow?.state.desired)).length === 0;
}

/**
 * The ledger entry first, then the shadow: a command the device can see is always tracked. On a
 * retry (`retrying`: an earlier attempt may have got through before failing) a command that has
 * finished meanwhile is not sent, nor one the shadow already desires. A shadow that refuses the
 * command for what it is (too large, malformed) fails it in the ledger with the reason.
 */
async function sendCommand(command: Command, ports: AlarmPorts, retrying: boolean): Promise<void> {
  if (retrying) {
    const stored = await ports.ledger.get(command.id);
    if (stored && stored.status !== "pending") return;
    if (!stored) await ports.ledger.add(command);
    else if (await alreadyDesired(command, ports)) return;
  } else {
    await ports.ledger.add(command);
  }
  try {
    await ports.shadows.update(command.thing, {
      state: { desired: command.desired },
      clientToken: command.clientToken,
    });
  } catch (error) {
    if (errorKind(error) !== "poison") throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const failed: Command = { ...command, status: "failed", failedAt: ports.clock.now(), error: reason };
    if (await ports.ledger.transition(failed, "pending")) await count(ports, { commandsFailed: 1 });
    throw error;
  }
  await count(ports, { shadowUpdates: 1 });
}

async function carryOut(effect: Effect, ports: AlarmPorts, retrying: boolean): Promise<void> {
  if (effect.kind === "command") return sendCommand(effect.command, ports, retrying);
  const publisher = ports.publishers[effect.channel];
  // A state written by a deployment with another channel (e.g. a data dir moved between setups).
  if (!publisher) throw fleetlineError("REQUEST_INVALID", `no alert channel named ${effect.channel}`);
  await publisher.publish(effect.alert);
}

/**
 * How long a settler holds a state's outbox: longer than any settler can live (the sweep's
 * timeout), so a claim outlasts the one who took it; a settler that crashed is followed once it lapses.
 */
export const OUTBOX_CLAIM_MS = FUNCTION_TIMEOUT_S.sweep * 1000;

/** Whether another settler holds the state's outbox at `now`. */
export function isClaimed(state: AlarmState, now: number): boolean {
  return state.claimedUntil !== undefined && state.claimedUntil > now;
}

/** The state with its outbox held by this settler from `now` (written in the caller's compare-and-set). */
export function claimed(state: AlarmState, now: number): AlarmState {
  return { ...state, claimedUntil: now + OUTBOX_CLAIM_MS };
}

/** Takes the outbox with compare-and-set; undefined when another settler holds it or came first. */
async function claim(state: AlarmState, ports: AlarmPorts): Promise<AlarmState | undefined> {
  const now = ports.clock.now();
  if (isClaimed(state, now)) return undefined;
  const next = { ...claimed(state, now), revision: state.revision + 1 };
  try {
    return (await ports.alerts.save({ expectedRevision: state.revision, next, alerts: [] }))
      ? next
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the state without the effects done and releases the claim; reads it again and retries
 * if another writer came first (one that added effects while this settler held the outbox).
 */
async function removeDone(
  state: AlarmState,
  done: ReadonlySet<string>,
  ports: AlarmPorts,
): Promise<AlarmState> {
  let current = state;
  for (let attempt = 0; attempt < 5; attempt++) {
    const remaining = (current.outbox ?? []).filter((effect) => !done.has(effect.id));
    const { outbox: _outbox, owingSince, claimedUntil: _claim, ...rest } = current;
    const kept: AlarmState =
      remaining.length > 0 ? { ...rest, outbox: remaining, ...(owingSince ? { owingSince } : {}) } : rest;
    const next = { ...stateToSave(kept, [], ports.clock.now()), revision: current.revision + 1 };
    if (await ports.alerts.save({ expectedRevision: current.revision, next, alerts: [] })) return next;
    const reloaded = (await ports.alerts.states(state.thing)).find((s) => s.code === state.code);
    if (!reloaded) return state;
    current = reloaded;
  }
  throw fleetlineError("CONCURRENT_UPDATE", `alarm ${state.thing}/${state.code} kept changing`);
}

/**
 * Carries out what a state owes, in order, and removes what was done. An effect that fails for
 * the infrastructure stops the rest (order matters: a clear is never published before its raise)
 * and stays owed, for the next invocation of the thing or the schedule's sweep; one that can
 * never succeed is given up and reported. Never throws: what it could not finish stays owed.
 * `fresh` are effects created in this invocation (not tried before). Nothing is carried out before
 * the outbox is held: taken here with compare-and-set, or by the caller (`held`) in the write that
 * saved the effects; a state another settler holds is left to it.
 */
export async function settleOutbox(
  state: AlarmState,
  ports: AlarmPorts,
  fresh: ReadonlySet<string> = new Set(),
  held = false,
): Promise<AlarmState> {
  if (!state.outbox?.length) return state;
  const mine = held ? state : await claim(state, ports);
  if (!mine) return state;
  state = mine;
  const done = new Set<string>();
  for (const effect of state.outbox ?? []) {
    try {
      await carryOut(effect, ports, !fresh.has(effect.id));
      done.add(effect.id);
    } catch (error) {
      const poison = errorKind(error) === "poison";
      ports.onEffectFailed?.({
        thing: state.thing,
        code: state.code,
        effect,
        error,
        outcome: poison ? "given up" : "retried later",
      });
      if (!poison) break;
      done.add(effect.id);
    }
  }
  try {
    // Even with nothing done the claim is released: the next settler need not wait for it to lapse.
    return await removeDone(state, done, ports);
  } catch (error) {
    // Done but still listed: the next attempt finds them done (a finished command, a shadow that
    // already desires it) or repeats a publish, which subscribers tell apart by id and status.
    const [effect] = state.outbox ?? [];
    if (effect)
      ports.onEffectFailed?.({
        thing: state.thing,
        code: state.code,
        effect,
        error,
        outcome: "retried later",
      });
    return state;
  }
}
