// The invocation console's wire formats (fleetline dev's function invocations, logs and figures).
export type {
  FunctionFigures,
  InvocationRecord,
  InvocationStatus,
  InvocationSummary,
  InvocationTrigger,
  LogLine,
} from "./invocations.js";
