import { parseInstant } from "@fleetline/core/common";
import { REDRIVE_ROUTES } from "@fleetline/core/pipeline";
import { decodeRun, type Redrive, type RedriveRun } from "@fleetline/core/redrive";
import type { ApiApp } from "../api-app.js";
import { badParameter } from "../http-error.js";

interface RoundRequest {
  limit?: unknown;
  run?: unknown;
  reason?: unknown;
  since?: unknown;
  thing?: unknown;
}

function roundOf(body: unknown): { limit: number; run?: RedriveRun } {
  const { limit = 100, run } = (body ?? {}) as RoundRequest;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw badParameter("limit", `must be 1…1000, got ${JSON.stringify(limit)}`);
  if (run === undefined) return { limit };
  if (typeof run !== "string") throw badParameter("run", "must be the run the previous round answered");
  try {
    return { limit, run: decodeRun(run) };
  } catch {
    throw badParameter("run", "not a run a redrive round handed out");
  }
}

function optionalText(body: RoundRequest, name: "reason" | "thing"): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw badParameter(name, "must be a non-empty string");
  return value;
}

/**
 * `fleetline redrive`'s API (docs/reference/api.md), locally and on a stage: each POST runs one round
 * of at most `limit` items of a run — a new one without `run`, else from where the previous round's
 * `run` left it — and says what it did.
 */
export function redriveRoutes(app: ApiApp, redrive: Redrive): void {
  app.add(REDRIVE_ROUTES.method, `${REDRIVE_ROUTES.prefix}dead-letter`, async (request) => {
    const { limit, run } = roundOf(request.body);
    return { status: 200, body: await redrive.deadLetters(limit, run) };
  });
  app.add(REDRIVE_ROUTES.method, `${REDRIVE_ROUTES.prefix}rule-errors`, async (request) => {
    const { limit, run } = roundOf(request.body);
    return { status: 200, body: await redrive.ruleErrors(limit, run) };
  });
  app.add(REDRIVE_ROUTES.method, `${REDRIVE_ROUTES.prefix}quarantine`, async (request) => {
    const { limit, run } = roundOf(request.body);
    const body = (request.body ?? {}) as RoundRequest;
    let since: number | undefined;
    if (body.since !== undefined) {
      since =
        typeof body.since === "string" || typeof body.since === "number"
          ? parseInstant(String(body.since))
          : undefined;
      if (since === undefined) throw badParameter("since", "expected ISO-8601 or epoch milliseconds");
    }
    const reason = optionalText(body, "reason");
    const thing = optionalText(body, "thing");
    const filter = {
      ...(reason ? { reason } : {}),
      ...(thing ? { thing } : {}),
      ...(since !== undefined ? { since } : {}),
    };
    return { status: 200, body: await redrive.quarantined(filter, limit, run) };
  });
}
