import type { Expr } from "./sql-ast.js";
import { evaluate } from "./sql-evaluate.js";
import type { MessageContext } from "./sql-functions.js";
import { RuleSqlError } from "./sql-lexer.js";
import { parseExpression } from "./sql-parser.js";

export type Template = (context: MessageContext) => string;

/**
 * Compiles an action parameter with `${expression}` substitutions, e.g. `${topic(4)}`. As on AWS,
 * expressions see the original message (functions and payload fields), not SELECT aliases.
 */
export function compileTemplate(text: string): Template {
  const parts: Array<string | Expr> = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf("${");
    if (start < 0) break;
    const end = rest.indexOf("}", start);
    if (end < 0) throw new RuleSqlError(`unterminated substitution in "${text}"`, start);
    parts.push(rest.slice(0, start), parseExpression(rest.slice(start + 2, end)));
    rest = rest.slice(end + 1);
  }
  parts.push(rest);
  return (context) =>
    parts
      .map((part) => {
        if (typeof part === "string") return part;
        const value = evaluate(part, context);
        if (value === undefined || value === null) return "";
        return typeof value === "object" ? JSON.stringify(value) : String(value);
      })
      .join("");
}
