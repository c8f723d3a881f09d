import { describeFunctionInvokerContract } from "@fleetline/core/contract";
import { LambdaFunctionInvoker } from "../src/adapters/lambda-function-invoker.js";
import { fakeLambda } from "./fake-lambda.js";

// The same suite the runtime's functions pass, against Lambda's Invoke (mocked, with its FunctionError rules).
describeFunctionInvokerContract("LambdaFunctionInvoker (mocked Lambda)", async (functions) => {
  const lambda = fakeLambda(functions);
  return {
    invoker: new LambdaFunctionInvoker(lambda.client, Object.keys(functions)),
    close: async () => lambda.mock.restore(),
  };
});
