export type CompareOperator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type Expr =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "field"; path: string[] }
  | { kind: "wildcard" }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "compare"; op: CompareOperator; left: Expr; right: Expr }
  | { kind: "and" | "or"; left: Expr; right: Expr }
  | { kind: "not"; operand: Expr };

export type SelectItem = { kind: "all" } | { kind: "expr"; expr: Expr; alias: string };

export interface Statement {
  select: SelectItem[];
  /** The FROM topic filter, unquoted. */
  from: string;
  where?: Expr;
}
