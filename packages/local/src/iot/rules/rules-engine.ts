import { randomUUID } from "node:crypto";
import { topicMatches } from "@fleetline/core/aws";
import { type Clock, FatalError, systemClock } from "@fleetline/core/common";
import type { TopicRule } from "@fleetline/core/pipeline";
import { abortableSleep } from "../../lib/abortable-sleep.js";
import type { BacklogGate } from "../../streams/event-sources/backlog-gate.js";
import {
  type InboundMessage,
  type MessageSource,
  PipelineBehindError,
  SERVICE_CLIENT_ID,
} from "../bus/message-source.js";
import { type ActionTargets, compileAction } from "./rule-actions.js";
import { type CompiledRule, type Delivery, deliver } from "./rule-delivery.js";
import { runStatement } from "./sql-evaluate.js";
import type { MessageContext } from "./sql-functions.js";
import { RuleSqlError } from "./sql-lexer.js";
import { parseRuleSql } from "./sql-parser.js";

/** A rule that cannot be loaded; stops start-up with the rule's name and the offending text. */
export class RuleLoadError extends FatalError {
  override readonly name = "RuleLoadError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("RULE_INVALID", message, options);
  }
}

export interface RulesEngineStats {
  messages: number;
  matched: number;
  actionFailures: number;
  /** Messages a failed action sent to their rule's error action. */
  sentToErrorAction: number;
  lastErrorAction?: { at: number; message: string };
  errorActionFailures: number;
  /** Messages neither the actions nor the error action could take yet: held, unacknowledged, retried. */
  held: number;
  /** When the messages held now were first refused (epoch ms). */
  heldSince?: number;
  /** Devices' messages not taken because the pipeline was behind (`maxWaitMs`): not acknowledged. */
  refusedBehind: number;
  lastFailure?: { at: number; message: string };
}

export interface RulesEngineOptions {
  rules: readonly TopicRule[];
  source: MessageSource;
  targets: Omit<ActionTargets, "source">;
  clock?: Clock;
  newUuid?: () => string;
  /** Called for failures the error action could not take either: they would otherwise be silent. */
  onUnhandledFailure?: (detail: { ruleName: string; topic: string; error: unknown }) => void;
  /** First wait before a held message is tried again; it doubles up to 5 s. */
  retryDelayMs?: number;
  /**
   * Makes what a batch put durable before its messages are acknowledged (the Kinesis stand-in's
   * fsync): one per batch, for every device in it. A failure holds the batch as a failed put does.
   */
  sync?: () => Promise<void>;
  /** Holds the next batch while the functions are too far behind the streams. */
  admission?: Pick<BacklogGate, "admit">;
  /**
   * A device's message that has waited this long for its batch is refused, unacknowledged (10 s by
   * default): a PUBACK never waits so long that a device's keep-alive runs out meanwhile.
   */
  maxWaitMs?: number;
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
  /** When it arrived (epoch ms). */
  since: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** At most this many queued messages are evaluated together (one Kinesis PutRecords). */
const MAX_BATCH = 500;
const MAX_RETRY_DELAY_MS = 5_000;
/** How long a device's message may wait for its batch before it is refused. */
export const MAX_WAIT_MS = 10_000;
/** While the batches wait for the backlog, overdue messages are refused this often. */
const OVERDUE_SWEEP_MS = 1_000;

/** The engine stopped with the message neither delivered nor in its error queue: no PUBACK. */
export class RulesEngineStoppedError extends Error {
  override readonly name = "RulesEngineStoppedError";
}

/**
 * The local AWS IoT rules engine: evaluates each rule's SQL on the messages its FROM filter
 * matches and runs its actions; a failed action sends the AWS error-action message to the rule's
 * error action. Messages are processed in arrival order, one batch at a time — whatever queued up
 * while the previous batch ran — so one thing's messages reach its Kinesis shard in publish order,
 * and a busy fleet's messages go out in a few large PutRecords calls rather than many small ones.
 *
 * A message's promise settles when it is durable: on its stream, or in its rule's error queue.
 * When neither takes it (the disk is full, the stream and the queue are down) the message is held
 * and tried again with backoff, and the batches behind it wait: the broker acknowledges nothing
 * it has not stored, and picks up where it was when storage returns.
 */
export class RulesEngine {
  readonly stats: RulesEngineStats = {
    messages: 0,
    matched: 0,
    actionFailures: 0,
    sentToErrorAction: 0,
    errorActionFailures: 0,
    held: 0,
    refusedBehind: 0,
  };
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

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

  /** Messages waiting for the batch in flight to finish: they go out together after it. */
  get queued(): number {
    return this.pending.length;
  }

  private get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  private enqueue(message: InboundMessage, filter: string): Promise<void> {
    if (this.stopping.signal.aborted)
      return Promise.reject(new RulesEngineStoppedError("the rules engine is stopping"));
    const since = this.clock.now();
    const done = new Promise<void>((resolve, reject) =>
      this.pending.push({ message, filter, since, resolve, reject }),
    );
    this.running ??= this.run();
    return done;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      await this.admitted();
      this.refuseOverdue();
      const batch = this.pending.splice(0, MAX_BATCH);
      if (batch.length === 0) break;
      let undelivered: Set<number>;
      try {
        undelivered = await this.process(batch);
      } catch (error) {
        // A fault in the engine itself: report it and acknowledge nothing of the batch.
        this.options.onUnhandledFailure?.({ ruleName: "*", topic: batch[0]?.message.topic ?? "", error });
        undelivered = new Set(batch.keys());
      }
      batch.forEach((item, i) => {
        if (undelivered.has(i)) item.reject(new RulesEngineStoppedError("the message could not be stored"));
        else item.resolve();
      });
    }
    this.running = undefined;
  }

  /** Waits while the functions are too far behind, refusing what waits too long meanwhile. */
  private async admitted(): Promise<void> {
    const waiting = this.options.admission?.admit();
    if (!waiting) return;
    const sweep = setInterval(() => this.refuseOverdue(), OVERDUE_SWEEP_MS);
    try {
      await waiting;
    } finally {
      clearInterval(sweep);
    }
  }

  /**
   * Refuses the devices' messages that have waited `maxWaitMs` or more: no PUBACK, as IoT Core
   * throttles, so the device sends them again. The service's own messages (shadow documents,
   * lifecycle events) wait on: nobody would send them again.
   */
  private refuseOverdue(): void {
    const oldest = this.pending[0];
    const limit = this.options.maxWaitMs ?? MAX_WAIT_MS;
    const now = this.clock.now();
    if (!oldest || now - oldest.since < limit) return;
    this.pending = this.pending.filter((item) => {
      if (item.message.clientId === SERVICE_CLIENT_ID || now - item.since < limit) return true;
      this.stats.refusedBehind += 1;
      item.reject(
        new PipelineBehindError(
          `not acknowledged: the pipeline is behind, the message waited ${Math.round((now - item.since) / 1000)} s`,
        ),
      );
      return false;
    });
  }

  /** Runs the batch's rules until every message is durable, or the engine stops; the indexes left over. */
  private async process(batch: Pending[]): Promise<Set<number>> {
    this.stats.messages += batch.length;
    const contexts = batch.map(({ message }) => this.contextOf(message));
    let deliveries: Delivery[] = [];
    for (const rule of this.rules) {
      batch.forEach(({ filter, message }, i) => {
        if (rule.statement.from !== filter || !topicMatches(filter, message.topic)) return;
        const context = contexts[i] as MessageContext;
        let output: ReturnType<typeof runStatement>;
        try {
          output = runStatement(rule.statement, context);
        } catch (error) {
          // AWS IoT logs a message its rule's SQL cannot evaluate and goes on without it.
          this.options.onUnhandledFailure?.({ ruleName: rule.name, topic: message.topic, error });
          return;
        }
        if (output !== undefined)
          deliveries.push({ rule, owner: i, item: { output, context }, actions: rule.actions });
      });
    }
    this.stats.matched += deliveries.length;
    // Nothing delivered, nothing to make durable.
    let synced = deliveries.length === 0;
    for (let attempt = 0; deliveries.length > 0 || !synced; attempt++) {
      if (attempt > 0) {
        if (this.stopping.signal.aborted) break;
        await abortableSleep(
          Math.min((this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS),
          this.stopping.signal,
        );
      }
      if (deliveries.length > 0) deliveries = await deliver(deliveries, this.hooks);
      if (deliveries.length === 0) synced = await this.synced();
      const held = synced ? new Set(deliveries.map((d) => d.owner)).size : batch.length;
      this.stats.held = held;
      if (held === 0) delete this.stats.heldSince;
      else this.stats.heldSince ??= this.clock.now();
    }
    this.stats.held = 0;
    delete this.stats.heldSince;
    return synced ? new Set(deliveries.map((d) => d.owner)) : new Set(batch.keys());
  }

  /** Whether what the batch put is durable now; a failed fsync is reported, and the batch held. */
  private async synced(): Promise<boolean> {
    if (!this.options.sync) return true;
    try {
      await this.options.sync();
      return true;
    } catch (error) {
      this.stats.lastFailure = { at: this.clock.now(), message: (error as Error).message };
      return false;
    }
  }

  private readonly hooks = {
    onActionFailure: () => {
      this.stats.actionFailures += 1;
    },
    onErrorAction: (reason: string) => {
      this.stats.sentToErrorAction += 1;
      this.stats.lastErrorAction = { at: this.clock.now(), message: reason };
    },
    onUndeliverable: (ruleName: string, topic: string, error: Error) => {
      this.stats.errorActionFailures += 1;
      this.stats.lastFailure = { at: this.clock.now(), message: error.message };
      this.options.onUnhandledFailure?.({ ruleName, topic, error });
    },
  };

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
      timestamp: this.clock.now(),
      newUuid: this.options.newUuid ?? randomUUID,
    };
  }

  /**
   * Resolves when every message received so far has been through its rules and none has arrived
   * for `quietMs` (a broker may still be handing over messages it received a moment ago).
   */
  async drain(quietMs = 0): Promise<void> {
    for (;;) {
      while (this.running) await this.running;
      const seen = this.stats.messages;
      if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (!this.running && this.pending.length === 0 && this.stats.messages === seen) return;
    }
  }

  /**
   * Takes no more messages and finishes the batch in flight; a message held for want of storage is
   * tried once more, then refused (never acknowledged), so a stop does not wait for the disk.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const item of this.pending.splice(0))
      item.reject(new RulesEngineStoppedError("the rules engine is stopping"));
    while (this.running) await this.running;
  }
}
