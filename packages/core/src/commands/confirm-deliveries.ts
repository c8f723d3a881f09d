import { z } from "zod";
import { computeDelta } from "../aws/shadow/shadow-merge.js";
import type { Clock } from "../common/clock.js";
import { errorKind } from "../common/errors.js";
import { THING_NAME_PATTERN } from "../devices/device-types.js";
import type { Counters } from "../pipeline/counters.js";
import { count } from "../pipeline/counters.js";
import type { Command } from "./command.js";
import type { CommandLedger } from "./command-ledger.js";

/** What the command-confirmation rule hands over of one shadow document (`CONFIRMATION_RULE_SQL`). */
const ShadowReport = z.object({
  thing: z.string().regex(THING_NAME_PATTERN, "not a thing name"),
  reported: z.record(z.string(), z.unknown()).optional(),
});

export interface ConfirmPorts {
  ledger: CommandLedger;
  counters: Counters;
  clock: Clock;
  onCounterError?: (error: unknown) => void;
  /** A document that cannot be read: logged by the caller, counted here, never retried. */
  onRejected?: (detail: { reason: string; thing?: unknown }) => void;
}

export interface ConfirmOutcome {
  delivered: Command[];
  /** Documents that were not a thing's shadow document. */
  rejected: number;
}

/** Delivered: nothing the command desires still differs from what the device reports. */
export function isDeliveredBy(command: Command, reported: Record<string, unknown>): boolean {
  return Object.keys(computeDelta(command.desired, reported)).length === 0;
}

/** Marks delivered each pending command of `thing` that `reported` now shows. */
export async function deliverReported(
  thing: string,
  reported: Record<string, unknown>,
  ports: ConfirmPorts,
): Promise<Command[]> {
  const delivered: Command[] = [];
  for (const command of await ports.ledger.pending(thing)) {
    if (!isDeliveredBy(command, reported)) continue;
    const next: Command = { ...command, status: "delivered", deliveredAt: ports.clock.now() };
    if (await ports.ledger.transition(next, "pending")) delivered.push(next);
  }
  if (delivered.length > 0) await count(ports, { commandsDelivered: delivered.length });
  return delivered;
}

/**
 * The confirm function's work (docs/guide/operate.md, "Commands"): for each shadow document, the thing's pending
 * commands its reported state now shows are delivered. A document that is not a thing's shadow
 * document is counted and reported, and the others go on; a thing with no pending command costs
 * one keyed read. Throws only for the infrastructure, after every document was tried, so a retry
 * (which finds the delivered ones done) repeats nothing.
 */
export async function confirmDeliveries(
  events: readonly unknown[],
  ports: ConfirmPorts,
): Promise<ConfirmOutcome> {
  const outcome: ConfirmOutcome = { delivered: [], rejected: 0 };
  let failure: unknown;
  for (const event of events) {
    const report = ShadowReport.safeParse(event);
    if (!report.success) {
      outcome.rejected += 1;
      const issue = report.error.issues[0];
      ports.onRejected?.({
        reason: `${issue?.path.join(".") || "document"}: ${issue?.message ?? "not a shadow document"}`,
        thing: typeof event === "object" && event !== null ? (event as { thing?: unknown }).thing : undefined,
      });
      continue;
    }
    // An update without a reported state (the pipeline's own desired update) confirms nothing.
    if (report.data.reported === undefined) continue;
    try {
      outcome.delivered.push(...(await deliverReported(report.data.thing, report.data.reported, ports)));
    } catch (error) {
      if (errorKind(error) === "poison") {
        outcome.rejected += 1;
        ports.onRejected?.({
          reason: error instanceof Error ? error.message : String(error),
          thing: report.data.thing,
        });
      } else failure ??= error;
    }
  }
  if (outcome.rejected > 0) await count(ports, { shadowDocumentsRejected: outcome.rejected });
  if (failure !== undefined) throw failure;
  return outcome;
}
