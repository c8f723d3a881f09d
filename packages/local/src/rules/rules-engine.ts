import { randomUUID } from "node:crypto";
import { type Clock, systemClock, type TopicRule, topicMatches } from "@fleetline/core";
import type { InboundMessage, MessageSource } from "./message-source.js";
import { type ActionItem, type ActionTargets, type CompiledAction, compileAction } from "./rule-actions.js";
import type { Statement } from "./sql-ast.js";
import { runStatement } from "./sql-evaluate.js";
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

interface Pending {
  message: InboundMessage;
  filter: string;
  done: () => void;
}

/** At most this many queued messages are evaluated together (one Kinesis PutRecords). */
const MAX_BATCH = 500;

/**
 * The local AWS IoT rules engine: evaluates each rule's SQL on the messages its FROM filter
 * matches and runs its actions; a failed action sends the AWS error-action message to the rule's
 * error action. Messages are processed in arrival order, one batch at a time — whatever queued up
 * while the previous batch ran — so one thing's messages reach its Kinesis shard in publish order,
 * and a busy fleet's messages go out in a few large PutRecords calls rather than many small ones.
 */
export class RulesEngine {
  readonly stats: RulesEngineStats = { messages: 0, matched: 0, actionFailures: 0, errorActionFailures: 0 };
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;

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
    const done = new Promise<void>((resolve) => this.pending.push({ message, filter, done: resolve }));
    this.running ??= this.run();
    return done;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.process(batch);
      } catch (error) {
        this.options.onUnhandledFailure?.({ ruleName: "*", topic: batch[0]?.message.topic ?? "", error });
      }
      for (const item of batch) item.done();
    }
    this.running = undefined;
  }

  private async process(batch: Pending[]): Promise<void> {
    this.stats.messages += batch.length;
    const contexts = batch.map(({ message }) => this.contextOf(message));
    for (const rule of this.rules) {
      const matched: ActionItem[] = [];
      batch.forEach(({ filter, message }, i) => {
        if (rule.statement.from !== filter || !topicMatches(filter, message.topic)) return;
        const context = contexts[i] as MessageContext;
        const output = runStatement(rule.statement, context);
        if (output !== undefined) matched.push({ output, context });
      });
      if (matched.length === 0) continue;
      this.stats.matched += matched.length;
      await this.runActions(rule, matched);
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

  private async runActions(rule: CompiledRule, items: ActionItem[]): Promise<void> {
    type Failure = { failedAction: string; failedResource: string; errorMessage: string };
    const failures: Failure[][] = items.map(() => []);
    for (const action of rule.actions) {
      const errors = await action.run(items);
      errors.forEach((error, i) => {
        if (!error) return;
        this.stats.actionFailures += 1;
        failures[i]?.push({
          failedAction: action.type,
          failedResource: action.resource,
          errorMessage: `${error.name}: ${error.message}`,
        });
      });
    }
    for (const [i, item] of items.entries()) {
      const failed = failures[i] as Failure[];
      if (failed.length === 0) this.options.onDelivered?.(rule.name);
      else await this.sendToErrorAction(rule, item.context, failed);
    }
  }

  private async sendToErrorAction(
    rule: CompiledRule,
    context: MessageContext,
    failures: unknown[],
  ): Promise<void> {
    // The AWS IoT error-action message shape.
    const errorMessage = {
      ruleName: rule.name,
      topic: context.topic,
      cloudwatchTraceId: context.newUuid(),
      clientId: context.clientId,
      base64OriginalPayload: Buffer.from(context.payload).toString("base64"),
      failures,
    };
    const error = rule.errorAction
      ? (await rule.errorAction.run([{ output: { kind: "json", value: errorMessage }, context }]))[0]
      : new Error("the rule has no error action");
    if (error) {
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
      while (this.running) await this.running;
      const seen = this.stats.messages;
      if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (!this.running && this.pending.length === 0 && this.stats.messages === seen) return;
    }
  }
}
