import type { ActionItem, CompiledAction } from "./rule-actions.js";
import type { Statement } from "./sql-ast.js";

export interface CompiledRule {
  name: string;
  statement: Statement;
  actions: CompiledAction[];
  errorAction?: CompiledAction;
}

/** One message's way through one rule: the actions still to run for it. */
export interface Delivery {
  rule: CompiledRule;
  /** The message's index in its batch. */
  owner: number;
  item: ActionItem;
  actions: readonly CompiledAction[];
}

export interface DeliveryHooks {
  onActionFailure(): void;
  /** A message went to its rule's error action; `reason` is the first failure. */
  onErrorAction(reason: string): void;
  /** A message neither its actions nor its rule's error action took. */
  onUndeliverable(ruleName: string, topic: string, error: Error): void;
}

interface Failure {
  action: CompiledAction;
  error: Error;
}

/**
 * Runs every delivery's actions (each action once, over all its messages, in order) and sends the
 * messages an action failed for to their rule's error action, in the AWS error-action message
 * shape. Returns the deliveries to try again: those whose error action failed too, with the
 * actions that failed. A rule without an error action drops what failed, as AWS IoT does, and
 * reports it.
 */
export async function deliver(deliveries: readonly Delivery[], hooks: DeliveryHooks): Promise<Delivery[]> {
  const failures = new Map<Delivery, Failure[]>();
  const actions = [...new Set(deliveries.flatMap((d) => d.actions))];
  for (const action of actions) {
    const using = deliveries.filter((d) => d.actions.includes(action));
    const errors = await runSafely(
      action,
      using.map((d) => d.item),
    );
    errors.forEach((error, i) => {
      if (!error) return;
      hooks.onActionFailure();
      const delivery = using[i] as Delivery;
      failures.set(delivery, [...(failures.get(delivery) ?? []), { action, error }]);
    });
  }

  const retry: Delivery[] = [];
  for (const delivery of deliveries) {
    const failed = failures.get(delivery);
    if (!failed) continue;
    const error = await sendToErrorAction(delivery, failed);
    if (!error) {
      const [first] = failed;
      hooks.onErrorAction(
        first ? `${first.action.type} ${first.action.resource}: ${first.error.message}` : "",
      );
      continue;
    }
    hooks.onUndeliverable(delivery.rule.name, delivery.item.context.topic, error);
    if (delivery.rule.errorAction) retry.push({ ...delivery, actions: failed.map((f) => f.action) });
  }
  return retry;
}

async function sendToErrorAction(delivery: Delivery, failed: Failure[]): Promise<Error | undefined> {
  const { rule, item } = delivery;
  if (!rule.errorAction) return new Error("the rule has no error action");
  const { context } = item;
  // The AWS IoT error-action message shape.
  const errorMessage = {
    ruleName: rule.name,
    topic: context.topic,
    cloudwatchTraceId: context.newUuid(),
    clientId: context.clientId,
    base64OriginalPayload: Buffer.from(context.payload).toString("base64"),
    failures: failed.map(({ action, error }) => ({
      failedAction: action.type,
      failedResource: action.resource,
      errorMessage: `${error.name}: ${error.message}`,
    })),
  };
  const [error] = await runSafely(rule.errorAction, [
    { output: { kind: "json", value: errorMessage }, context },
  ]);
  return error;
}

/** An action that throws instead of reporting per item has failed for all of them. */
async function runSafely(action: CompiledAction, items: ActionItem[]): Promise<Array<Error | undefined>> {
  try {
    return await action.run(items);
  } catch (cause) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    return items.map(() => error);
  }
}
