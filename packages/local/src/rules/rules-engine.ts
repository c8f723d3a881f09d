import { randomUUID } from "node:crypto";
import { type Clock, systemClock, type TopicRule, topicMatches } from "@fleetline/core";
import type { InboundMessage, MessageSource } from "./message-source.js";
import { type ActionTargets, type CompiledAction, compileAction } from "./rule-actions.js";
import type { Statement } from "./sql-ast.js";
import { type RuleOutput, runStatement } from "./sql-evaluate.js";
import type { MessageContext } from "./sql-functions.js";
import { RuleSqlError } from "./sql-lexer.js";
import { parseRuleSql } from "./sql-parser.js";

/** A rule that cannot be loaded; stops start-up with the rule's name and the offending text. */
export class RuleLoadError extends Error {
  override readonly name = "RuleLoadError";
  readonly code = "RULE_INVALID";
}

interface CompiledRule {
  name: string;
  statement: Statement;
  actions: CompiledAction[];
  errorAction?: CompiledAction;
}

export interface RulesEngineStats {
  messages: number;
  matched: number;
  actionFailures: number;
  errorActionFailures: number;
}

export interface RulesEngineOptions {
  rules: readonly TopicRule[];
  source: MessageSource;
  targets: Omit<ActionTargets, "source">;
  clock?: Clock;
  newUuid?: () => string;
  /** Called when every action of a rule succeeded for a message. */
  onDelivered?: (ruleName: string) => void;
  /** Called for failures the error action could not take either: they would otherwise be silent. */
  onUnhandledFailure?: (detail: { ruleName: string; topic: string; error: unknown }) => void;
}

function compileRule(rule: TopicRule, targets: ActionTargets): CompiledRule {
  try {
    const compiled: CompiledRule = {
      name: rule.name,
      statement: parseRuleSql(rule.sql),
      actions: rule.actions.map((action) => compileAction(action, targets)),
    };
    if (rule.errorAction) compiled.errorAction = compileAction(rule.errorAction, targets);
    return compiled;
  } catch (error) {
    if (!(error instanceof RuleSqlError)) throw error;
    throw new RuleLoadError(`rule "${rule.name}" cannot be loaded: ${error.message} in: ${rule.sql}`, {
      cause: error,
    });
  }
}

/**
 * The local AWS IoT rules engine: evaluates each rule's SQL on the messages its FROM filter
 * matches and runs its actions; a failed action sends the AWS error-action message to the rule's
 * error action. Messages of one topic are processed strictly in arrival order (so one thing's
 * messages reach its Kinesis shard in publish order); different topics proceed in parallel.
 */
export class RulesEngine {
  readonly stats: RulesEngineStats = { messages: 0, matched: 0, actionFailures: 0, errorActionFailures: 0 };
  private readonly chains = new Map<string, Promise<void>>();

  private constructor(
    private readonly rules: CompiledRule[],
    private readonly options: RulesEngineOptions,
  ) {}

  /** Compiles every rule (all or nothing), then subscribes to their topic filters. */
  static async start(options: RulesEngineOptions): Promise<RulesEngine> {
    const targets: ActionTargets = { ...options.targets, source: options.source };
    const engine = new RulesEngine(
      options.rules.map((rule) => compileRule(rule, targets)),
      options,
    );
    const filters = new Set(engine.rules.map((rule) => rule.statement.from));
    for (const filter of filters) {
      await options.source.subscribe(filter, (message) => engine.enqueue(message, filter));
    }
    return engine;
  }

  private enqueue(message: InboundMessage, filter: string): Promise<void> {
    const previous = this.chains.get(message.topic) ?? Promise.resolve();
    const next = previous.then(() => this.process(message, filter));
    this.chains.set(message.topic, next);
    void next.finally(() => {
      if (this.chains.get(message.topic) === next) this.chains.delete(message.topic);
    });
    return next;
  }

  private async process(message: InboundMessage, filter: string): Promise<void> {
    this.stats.messages += 1;
    const context = this.contextOf(message);
    for (const rule of this.rules) {
      if (rule.statement.from !== filter || !topicMatches(filter, message.topic)) continue;
      const output = runStatement(rule.statement, context);
      if (output === undefined) continue;
      this.stats.matched += 1;
      await this.runActions(rule, output, context);
    }
  }

  private contextOf(message: InboundMessage): MessageContext {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(message.payload).toString("utf8"));
    } catch {
      json = undefined;
    }
    return {
      topic: message.topic,
      clientId: message.clientId,
      payload: message.payload,
      json,
      timestamp: (this.options.clock ?? systemClock).now(),
      newUuid: this.options.newUuid ?? randomUUID,
    };
  }

  private async runActions(rule: CompiledRule, output: RuleOutput, context: MessageContext): Promise<void> {
    const failures: Array<{ failedAction: string; failedResource: string; errorMessage: string }> = [];
    for (const action of rule.actions) {
      try {
        await action.run(output, context);
      } catch (error) {
        this.stats.actionFailures += 1;
        failures.push({
          failedAction: action.type,
          failedResource: action.resource,
          errorMessage: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
    if (failures.length === 0) {
      this.options.onDelivered?.(rule.name);
      return;
    }
    // The AWS IoT error-action message shape.
    const errorMessage = {
      ruleName: rule.name,
      topic: context.topic,
      cloudwatchTraceId: context.newUuid(),
      clientId: context.clientId,
      base64OriginalPayload: Buffer.from(context.payload).toString("base64"),
      failures,
    };
    try {
      if (!rule.errorAction) throw new Error("the rule has no error action");
      await rule.errorAction.run({ kind: "json", value: errorMessage }, context);
    } catch (error) {
      this.stats.errorActionFailures += 1;
      this.options.onUnhandledFailure?.({ ruleName: rule.name, topic: context.topic, error });
    }
  }

  /**
   * Resolves when every message received so far has been through its rules and none has arrived
   * for `quietMs` (a broker may still be handing over messages it acknowledged a moment ago).
   */
  async drain(quietMs = 0): Promise<void> {
    for (;;) {
      while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
      const seen = this.stats.messages;
      if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (this.chains.size === 0 && this.stats.messages === seen) return;
    }
  }
}
