import { isValidTopicFilter } from "@fleetline/core/aws";
import type { CompareOperator, Expr, SelectItem, Statement } from "./sql-ast.js";
import { FUNCTIONS } from "./sql-functions.js";
import { RuleSqlError, type Token, tokenize } from "./sql-lexer.js";

function describe(token: Token): string {
  if (token.kind === "end") return "end of statement";
  if (token.kind === "string") return `'${token.value}'`;
  return String(token.value);
}

/**
 * Parses the AWS IoT SQL subset: SELECT `*`, field paths, functions and aliases; FROM a quoted
 * topic filter; WHERE with comparisons, AND/OR/NOT and parentheses. Anything else throws
 * RuleSqlError naming the construct — never silently ignored.
 */
export function parseRuleSql(sql: string): Statement {
  return new Parser(tokenize(sql)).statement();
}

/** Parses one expression, for substitution templates such as `${topic(4)}`. */
export function parseExpression(text: string): Expr {
  const parser = new Parser(tokenize(text));
  const expr = parser.expression();
  parser.expectEnd("expression");
  return expr;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const token = this.current;
    if (token.kind !== "end") this.index++;
    return token;
  }

  private isKeyword(value: string): boolean {
    return this.current.kind === "keyword" && this.current.value === value;
  }

  private isPunctuation(value: string): boolean {
    return this.current.kind === "punctuation" && this.current.value === value;
  }

  private fail(what: string): never {
    throw new RuleSqlError(`${what} at ${this.current.at}, found ${describe(this.current)}`, this.current.at);
  }

  private expectKeyword(value: string): void {
    if (!this.isKeyword(value)) this.fail(`expected ${value}`);
    this.advance();
  }

  private expectPunctuation(value: string): void {
    if (!this.isPunctuation(value)) this.fail(`expected '${value}'`);
    this.advance();
  }

  expectEnd(after: string): void {
    if (this.current.kind === "end") return;
    if (this.current.kind === "identifier") {
      const word = this.current.value.toUpperCase();
      const next = this.tokens[this.index + 1];
      const clause = next?.kind === "identifier" && next.value.toUpperCase() === "BY" ? `${word} BY` : word;
      throw new RuleSqlError(`unsupported clause ${clause} at ${this.current.at}`, this.current.at);
    }
    this.fail(`unexpected text after ${after}`);
  }

  statement(): Statement {
    this.expectKeyword("SELECT");
    const select = [this.selectItem()];
    while (this.isPunctuation(",")) {
      this.advance();
      select.push(this.selectItem());
    }
    this.expectKeyword("FROM");
    const from = this.advance();
    if (from.kind !== "string")
      throw new RuleSqlError(`FROM takes a topic filter in single quotes, at ${from.at}`, from.at);
    if (!isValidTopicFilter(from.value))
      throw new RuleSqlError(`'${from.value}' is not a valid topic filter`, from.at);
    let where: Expr | undefined;
    if (this.isKeyword("WHERE")) {
      this.advance();
      where = this.expression();
    }
    this.expectEnd(where ? "WHERE" : "FROM");
    return where ? { select, from: from.value, where } : { select, from: from.value };
  }

  private selectItem(): SelectItem {
    if (this.isPunctuation("*")) {
      this.advance();
      return { kind: "all" };
    }
    const at = this.current.at;
    const expr = this.expression();
    if (this.isKeyword("AS")) {
      this.advance();
      const alias = this.advance();
      if (alias.kind !== "identifier") throw new RuleSqlError(`AS takes a name, at ${alias.at}`, alias.at);
      return { kind: "expr", expr, alias: alias.value };
    }
    if (expr.kind === "field") return { kind: "expr", expr, alias: expr.path.at(-1) as string };
    throw new RuleSqlError(`a computed SELECT item needs a name (AS name), at ${at}`, at);
  }

  expression(): Expr {
    let left = this.conjunction();
    while (this.isKeyword("OR")) {
      this.advance();
      left = { kind: "or", left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Expr {
    let left = this.negation();
    while (this.isKeyword("AND")) {
      this.advance();
      left = { kind: "and", left, right: this.negation() };
    }
    return left;
  }

  private negation(): Expr {
    if (this.isKeyword("NOT")) {
      this.advance();
      return { kind: "not", operand: this.negation() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.primary();
    if (this.current.kind !== "operator") return left;
    const op = this.advance().value as CompareOperator;
    return { kind: "compare", op, left, right: this.primary() };
  }

  private primary(): Expr {
    const token = this.current;
    if (token.kind === "string" || token.kind === "number") {
      this.advance();
      return { kind: "literal", value: token.value };
    }
    if (token.kind === "keyword" && ["TRUE", "FALSE", "NULL"].includes(token.value)) {
      this.advance();
      return { kind: "literal", value: token.value === "NULL" ? null : token.value === "TRUE" };
    }
    if (this.isPunctuation("(")) {
      this.advance();
      const inner = this.expression();
      this.expectPunctuation(")");
      return inner;
    }
    if (token.kind === "identifier") {
      this.advance();
      if (this.isPunctuation("(")) return this.call(token.value, token.at);
      const path = [token.value];
      while (this.isPunctuation(".")) {
        this.advance();
        const part = this.advance();
        if (part.kind !== "identifier")
          throw new RuleSqlError(`expected a field name after '.', at ${part.at}`, part.at);
        path.push(part.value);
      }
      return { kind: "field", path };
    }
    return this.fail("expected a value, field or function");
  }

  private call(name: string, at: number): Expr {
    const spec = FUNCTIONS[name.toLowerCase()];
    if (spec === undefined) throw new RuleSqlError(`unsupported function ${name}() at ${at}`, at);
    this.expectPunctuation("(");
    const args: Expr[] = [];
    while (!this.isPunctuation(")")) {
      if (args.length > 0) this.expectPunctuation(",");
      if (this.isPunctuation("*")) {
        this.advance();
        args.push({ kind: "wildcard" });
      } else {
        args.push(this.expression());
      }
    }
    this.advance();
    spec.check(args, at);
    return { kind: "call", name: name.toLowerCase(), args };
  }
}
