import { InvokeCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";

/**
 * Lambda's Invoke behind aws-sdk-client-mock, as Lambda answers a synchronous invocation: the
 * event arrives as JSON; a function that throws still gets status 200, with `FunctionError` set and
 * `{errorType, errorMessage}` as the payload; an unknown function is ResourceNotFoundException.
 */
export function fakeLambda(functions: Record<string, (event: unknown) => Promise<unknown>>) {
  const mock = mockClient(LambdaClient);
  const invocations: Array<{ functionName: string; event: unknown }> = [];
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? null));
  mock.on(InvokeCommand).callsFake(async ({ FunctionName, Payload }) => {
    const fn = functions[FunctionName as string];
    if (!fn)
      throw new ResourceNotFoundException({ message: `Function not found: ${FunctionName}`, $metadata: {} });
    const event = JSON.parse(new TextDecoder().decode(Payload as Uint8Array)) as unknown;
    invocations.push({ functionName: FunctionName as string, event });
    try {
      return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: encode(await fn(event)) };
    } catch (error) {
      const { name, message } = error as Error;
      return {
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: encode({ errorType: name, errorMessage: message, trace: [] }),
      };
    }
  });
  return { mock, client: new LambdaClient({ region: "eu-west-1" }), invocations };
}
