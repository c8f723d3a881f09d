import type { Expr } from "./sql-ast.js";
import { RuleSqlError } from "./sql-lexer.js";

/** What a function sees of the message being evaluated. */
export interface MessageContext {
  topic: string;
  clientId: string;
  payload: Uint8Array;
  /** The payload parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  timestamp: number;
  newUuid(): string;
}

export type Value = string | number | boolean | null | Record<string, unknown> | unknown[] | undefined;

interface FunctionSpec {
  /** Checks the arguments when the rule is loaded. */
  check(args: Expr[], at: number): void;
  call(args: Expr[], context: MessageContext, evaluate: (expr: Expr) => Value): Value;
}

function arity(name: string, allowed: number[]) {
  return (args: Expr[], at: number) => {
    if (!allowed.includes(args.length)) {
      throw new RuleSqlError(`${name}() takes ${allowed.join(" or ")} argument(s), got ${args.length}`, at);
    }
  };
}

/** The IoT SQL functions the local engine implements, with AWS's semantics. */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  topic: {
    check: (args, at) => {
      arity("topic", [0, 1])(args, at);
      const [index] = args;
      if (
        index &&
        !(index.kind === "literal" && Number.isInteger(index.value) && (index.value as number) >= 1)
      ) {
        throw new RuleSqlError("topic(n) takes a whole number literal n ≥ 1", at);
      }
    },
    // topic(n) is 1-based; a level beyond the topic is Undefined.
    call: ([index], context) =>
      index?.kind === "literal" ? context.topic.split("/")[(index.value as number) - 1] : context.topic,
  },
  clientid: { check: arity("clientid", [0]), call: (_args, context) => context.clientId },
  timestamp: { check: arity("timestamp", [0]), call: (_args, context) => context.timestamp },
  newuuid: { check: arity("newuuid", [0]), call: (_args, context) => context.newUuid() },
  // AWS: Boolean whether the first string starts with the second; Undefined unless both are strings.
  startswith: {
    check: arity("startswith", [2]),
    call: ([text, prefix], _context, evaluate) => {
      const value = text && evaluate(text);
      const start = prefix && evaluate(prefix);
      return typeof value === "string" && typeof start === "string" ? value.startsWith(start) : undefined;
    },
  },
  encode: {
    check: (args, at) => {
      arity("encode", [2])(args, at);
      const scheme = args[1];
      if (!(scheme?.kind === "literal" && scheme.value === "base64")) {
        throw new RuleSqlError("encode() supports only the 'base64' encoding scheme", at);
      }
    },
    call: ([value], context, evaluate) => {
      if (value?.kind === "wildcard") return Buffer.from(context.payload).toString("base64");
      const result = value && evaluate(value);
      return typeof result === "string" ? Buffer.from(result, "utf8").toString("base64") : undefined;
    },
  },
};
