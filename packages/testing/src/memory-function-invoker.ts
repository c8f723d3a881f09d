import { fleetlineError } from "@fleetline/core/common";
import type { FunctionInvoker } from "@fleetline/core/redrive";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** Functions by name in memory: each invocation is recorded, then the function runs. */
export class MemoryFunctionInvoker implements FunctionInvoker {
  /** Every invocation, in order. */
  readonly invocations: Array<{ functionName: string; event: unknown }> = [];

  constructor(private readonly functions: Record<string, (event: unknown) => Promise<unknown>>) {}

  static create(
    functions: Record<string, (event: unknown) => Promise<unknown>>,
  ): WithFailures<MemoryFunctionInvoker> {
    return withFailures(new MemoryFunctionInvoker(functions), new FailureSwitches("THROTTLED"));
  }

  async has(functionName: string): Promise<boolean> {
    return Object.hasOwn(this.functions, functionName);
  }

  async invoke(functionName: string, event: unknown): Promise<unknown> {
    const fn = this.functions[functionName];
    if (!fn) throw fleetlineError("NOT_FOUND", `no function named ${functionName}`);
    this.invocations.push({ functionName, event: structuredClone(event) });
    return fn(structuredClone(event));
  }
}
