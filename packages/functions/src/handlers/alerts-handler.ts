import type { Logger } from "@aws-lambda-powertools/logger";
import { type AlarmPorts, type EffectFailure, evaluateAlarms } from "@fleetline/core/alarms";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import { streamHandler } from "./batch-response.js";

/**
 * Logs an effect that failed: owed still (retried by a later invocation or the sweep), or given
 * up; then tells `also`, the ports' own hook (the local runtime's health), if any.
 */
export function effectFailureLogger(logger: Logger, also?: (failure: EffectFailure) => void) {
  return (failure: EffectFailure) => {
    const { thing, code, effect, error, outcome } = failure;
    const detail = { thing, code, effect: effect.kind, effectId: effect.id, error: error as Error };
    if (outcome === "given up") logger.error("an effect can never succeed; given up", detail);
    else logger.warn("an effect failed; it stays owed and is tried again", detail);
    also?.(failure);
  };
}

/** The `alerts` Lambda: fleetline-validated → alarms, alert records, shadow commands, through the outbox. */
export function createAlertsHandler(ports: AlarmPorts, logger: Logger, deadLetters?: DeadLetterQueue) {
  return streamHandler(
    evaluateAlarms,
    { ...ports, onEffectFailed: effectFailureLogger(logger, ports.onEffectFailed) },
    logger,
    deadLetters,
  );
}
