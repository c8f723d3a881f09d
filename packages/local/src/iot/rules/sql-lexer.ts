/** Tokens of the AWS IoT SQL subset the local rules engine supports. */
export type Token =
  | { kind: "keyword"; value: string; at: number }
  | { kind: "identifier"; value: string; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; at: number }
  | { kind: "operator"; value: string; at: number }
  | { kind: "punctuation"; value: string; at: number }
  | { kind: "end"; value: ""; at: number };

/** A rule that cannot be loaded: names the construct and where it is. */
export class RuleSqlError extends Error {
  override readonly name = "RuleSqlError";
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set(["SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "TRUE", "FALSE", "NULL"]);
const OPERATORS = ["<>", "!=", "<=", ">=", "=", "<", ">"];
const PUNCTUATION = new Set(["(", ")", ",", ".", "*"]);

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const char = sql[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const at = i;
    if (char === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new RuleSqlError(`unterminated string starting at ${at}`, at);
        if (sql[i] === "'" && sql[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else {
          value += sql[i];
          i++;
        }
      }
      tokens.push({ kind: "string", value, at });
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(sql.slice(i));
    const previous = tokens.at(-1);
    const signAllowed =
      !previous ||
      previous.kind === "operator" ||
      previous.kind === "keyword" ||
      previous.value === "(" ||
      previous.value === ",";
    if (number && (char !== "-" || signAllowed)) {
      tokens.push({ kind: "number", value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) {
      const upper = word[0].toUpperCase();
      tokens.push(
        KEYWORDS.has(upper)
          ? { kind: "keyword", value: upper, at }
          : { kind: "identifier", value: word[0], at },
      );
      i += word[0].length;
      continue;
    }
    const operator = OPERATORS.find((op) => sql.startsWith(op, i));
    if (operator) {
      tokens.push({ kind: "operator", value: operator === "!=" ? "<>" : operator, at });
      i += operator.length;
      continue;
    }
    if (PUNCTUATION.has(char)) {
      tokens.push({ kind: "punctuation", value: char, at });
      i++;
      continue;
    }
    throw new RuleSqlError(`unsupported character '${char}' at ${at}`, at);
  }
  tokens.push({ kind: "end", value: "", at: sql.length });
  return tokens;
}
