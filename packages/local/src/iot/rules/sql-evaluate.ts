import type { Expr, Statement } from "./sql-ast.js";
import { FUNCTIONS, type MessageContext, type Value } from "./sql-functions.js";

function field(root: unknown, path: string[]): Value {
  let current = root;
  for (const key of path) {
    if (
      typeof current !== "object" ||
      current === null ||
      Array.isArray(current) ||
      !Object.hasOwn(current, key)
    ) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current as Value;
}

function compare(op: string, left: Value, right: Value): boolean | undefined {
  // AWS IoT SQL: operands of different types compare as Undefined, which no WHERE accepts.
  const bothNumbers = typeof left === "number" && typeof right === "number";
  const bothStrings = typeof left === "string" && typeof right === "string";
  const bothBooleans = typeof left === "boolean" && typeof right === "boolean";
  if (!bothNumbers && !bothStrings && !(bothBooleans && (op === "=" || op === "<>"))) return undefined;
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case "=":
      return l === r;
    case "<>":
      return l !== r;
    case "<":
      return l < r;
    case "<=":
      return l <= r;
    case ">":
      return l > r;
    default:
      return l >= r;
  }
}

/** Evaluates an expression against a message, with IoT SQL's Undefined for what is absent. */
export function evaluate(expr: Expr, context: MessageContext): Value {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "field":
      return field(context.json, expr.path);
    case "wildcard":
      return context.json as Value;
    case "call": {
      const spec = FUNCTIONS[expr.name];
      return spec?.call(expr.args, context, (inner) => evaluate(inner, context));
    }
    case "compare":
      return compare(expr.op, evaluate(expr.left, context), evaluate(expr.right, context));
    case "and": {
      const left = evaluate(expr.left, context);
      const right = evaluate(expr.right, context);
      if (left === false || right === false) return false;
      return left === true && right === true ? true : undefined;
    }
    case "or": {
      const left = evaluate(expr.left, context);
      const right = evaluate(expr.right, context);
      if (left === true || right === true) return true;
      return left === false && right === false ? false : undefined;
    }
    case "not": {
      const operand = evaluate(expr.operand, context);
      return typeof operand === "boolean" ? !operand : undefined;
    }
  }
}

/** The rule's output for one message: a JSON object, the raw payload (bare `SELECT *` of non-JSON), or no match. */
export type RuleOutput =
  | { kind: "json"; value: Record<string, unknown> }
  | { kind: "raw"; bytes: Uint8Array };

export function runStatement(statement: Statement, context: MessageContext): RuleOutput | undefined {
  if (statement.where && evaluate(statement.where, context) !== true) return undefined;
  const isObject = typeof context.json === "object" && context.json !== null && !Array.isArray(context.json);
  const [only] = statement.select;
  if (statement.select.length === 1 && only?.kind === "all" && !isObject)
    return { kind: "raw", bytes: context.payload };
  const value: Record<string, unknown> = {};
  for (const item of statement.select) {
    if (item.kind === "all") {
      if (isObject) Object.assign(value, context.json);
      continue;
    }
    const result = evaluate(item.expr, context);
    // AWS IoT: an Undefined result leaves its key out of the output.
    if (result !== undefined) value[item.alias] = result;
  }
  return { kind: "json", value };
}
