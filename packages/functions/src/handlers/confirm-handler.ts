import type { Logger } from "@aws-lambda-powertools/logger";
import { type ConfirmPorts, confirmDeliveries } from "@fleetline/core/commands";

/**
 * The `confirm` Lambda, invoked by the command-confirmation IoT rule with one shadow document's
 * thing and reported state: the thing's pending commands that state shows are delivered. A
 * document it cannot read is logged and counted, never thrown (a retry cannot fix it); a store
 * outage is thrown, for Lambda's asynchronous retries.
 */
export function createConfirmHandler(ports: ConfirmPorts, logger: Logger) {
  const withLogs: ConfirmPorts = {
    ...ports,
    onCounterError: (error) => logger.warn("counters not updated", { error: error as Error }),
    onRejected: ({ reason, thing }) =>
      logger.warn("not a shadow document; ignored", { reason, thing: String(thing) }),
  };
  return async (event: unknown): Promise<{ delivered: number; rejected: number }> => {
    const outcome = await confirmDeliveries([event], withLogs);
    for (const command of outcome.delivered)
      logger.info("command delivered", { thing: command.thing, commandId: command.id });
    return { delivered: outcome.delivered.length, rejected: outcome.rejected };
  };
}
