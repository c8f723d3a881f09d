import { type ErrorCode, fleetlineError } from "@fleetline/core/common";

interface FailureRule {
  method: string | undefined;
  remaining: number;
  error: () => Error;
  /** The call takes effect, then fails: a timeout after the service did the work. */
  afterDoing: boolean;
}

export interface FailOptions {
  /** Only calls of this method fail; any method by default. */
  method?: string;
  /** The error thrown; the port's transient error by default. */
  error?: () => Error;
  /** Do the work first, then fail, as a call that timed out after the service acted. */
  afterDoing?: boolean;
}

/**
 * Failure switches for a port (`withFailures`): fail the next N calls, throttle them, slow every call
 * down. Every call is recorded, so a test can also assert a port was not called at all.
 */
export class FailureSwitches {
  private rules: FailureRule[] = [];
  private delay: { ms: number; method: string | undefined } | undefined;
  /** The methods called, in order. */
  readonly calls: string[] = [];

  constructor(private readonly defaultCode: ErrorCode = "STORE_UNAVAILABLE") {}

  /** The next `count` calls (of `options.method`, if given) fail. */
  failNext(count = 1, options: FailOptions = {}): this {
    this.rules.push({
      method: options.method,
      remaining: count,
      error:
        options.error ?? (() => fleetlineError(this.defaultCode, `injected fault (${this.defaultCode})`)),
      afterDoing: options.afterDoing ?? false,
    });
    return this;
  }

  /** The next `count` calls fail with THROTTLED, as a service asking us to slow down. */
  throttleNext(count = 1, method?: string): this {
    return this.failNext(count, {
      ...(method ? { method } : {}),
      error: () => fleetlineError("THROTTLED", "injected fault: rate exceeded"),
    });
  }

  /** Every call (of `method`, if given) takes `ms` longer. */
  slow(ms: number, method?: string): this {
    this.delay = { ms, method };
    return this;
  }

  /** Back to normal. */
  clear(): this {
    this.rules = [];
    this.delay = undefined;
    return this;
  }

  count(method: string): number {
    return this.calls.filter((call) => call === method).length;
  }

  async run<T>(method: string, action: () => Promise<T>): Promise<T> {
    this.calls.push(method);
    if (this.delay && (this.delay.method === undefined || this.delay.method === method)) {
      const ms = this.delay.ms;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    const rule = this.rules.find((r) => r.remaining > 0 && (r.method === undefined || r.method === method));
    if (!rule) return action();
    rule.remaining -= 1;
    if (rule.afterDoing) await action();
    throw rule.error();
  }
}

export type WithFailures<T> = T & { readonly failures: FailureSwitches };

/** `port` with every method called through `failures` (its own calls to itself are not). */
export function withFailures<T extends object>(port: T, failures: FailureSwitches): WithFailures<T> {
  return new Proxy(port, {
    get(target, property, receiver) {
      if (property === "failures") return failures;
      const value = Reflect.get(target, property, receiver) as unknown;
      // Methods only: a field that holds a function (a hook) is not a call to the port.
      if (typeof value !== "function" || Object.hasOwn(target, property)) return value;
      return (...args: unknown[]) =>
        failures.run(String(property), async () =>
          (value as (...a: unknown[]) => unknown).apply(target, args),
        );
    },
  }) as WithFailures<T>;
}
