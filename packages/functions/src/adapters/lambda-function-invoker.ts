import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { fleetlineError } from "@fleetline/core/common";
import type { FunctionInvoker } from "@fleetline/core/redrive";

/** The error a function failed with, as Lambda returns it in the payload. */
interface FunctionErrorPayload {
  errorType?: string;
  errorMessage?: string;
}

/**
 * The FunctionInvoker on Lambda: a synchronous Invoke of one of the stage's functions (the names
 * the stack gives it; no other), its payload parsed as the function returned it. A function error
 * — Lambda answers 200 with `FunctionError` set — rejects with the function's own message.
 */
export class LambdaFunctionInvoker implements FunctionInvoker {
  private readonly names: ReadonlySet<string>;

  constructor(
    private readonly lambda: LambdaClient,
    functionNames: readonly string[],
  ) {
    this.names = new Set(functionNames);
  }

  async has(functionName: string): Promise<boolean> {
    return this.names.has(functionName);
  }

  async invoke(functionName: string, event: unknown): Promise<unknown> {
    if (!this.names.has(functionName)) throw fleetlineError("NOT_FOUND", `no function named ${functionName}`);
    const response = await this.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : "";
    const payload = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (response.FunctionError) {
      const { errorType = response.FunctionError, errorMessage = text } = (payload ??
        {}) as FunctionErrorPayload;
      throw new Error(`${functionName} failed: ${errorType}: ${errorMessage}`);
    }
    return payload;
  }
}
