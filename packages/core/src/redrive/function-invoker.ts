/**
 * Runs a deployment's functions by name outside their triggers, as a redrive does: Lambda's
 * Invoke on AWS, the runtime's own functions locally.
 */
export interface FunctionInvoker {
  /** Whether `functionName` is one of this deployment's functions (a redrive invokes no other). */
  has(functionName: string): Promise<boolean>;
  /**
   * Runs the function once with `event`; resolves with what it returned, rejects with the error
   * it failed with (its message first), as a synchronous invocation reports it.
   */
  invoke(functionName: string, event: unknown): Promise<unknown>;
}
