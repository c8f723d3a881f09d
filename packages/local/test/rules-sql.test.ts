import { CONFIRMATION_RULE_SQL, TELEMETRY_RULE_SQL } from "@fleetline/core/pipeline";
import { confirmationEvent, telemetryEnvelope } from "@fleetline/core/redrive";
import { describe, expect, it } from "vitest";
import { runStatement } from "../src/iot/rules/sql-evaluate.js";
import type { MessageContext } from "../src/iot/rules/sql-functions.js";
import { parseRuleSql } from "../src/iot/rules/sql-parser.js";
import { compileTemplate } from "../src/iot/rules/substitution.js";

const payload = {
  temp: 41.5,
  state: { mode: "cooling", on: true, zones: 3 },
  name: "fs-9",
  tags: ["a"],
};

function context(overrides: Partial<MessageContext> & { body?: string } = {}): MessageContext {
  const body = overrides.body ?? JSON.stringify(payload);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return {
    topic: "dt/fleetline/freestyle/fs-9/telemetry",
    clientId: "fs-9",
    payload: new TextEncoder().encode(body),
    json,
    timestamp: 1_764_297_000_000,
    newUuid: () => "00000000-0000-4000-8000-000000000000",
    ...overrides,
  };
}

function run(sql: string, ctx = context()) {
  const output = runStatement(parseRuleSql(sql), ctx);
  return output?.kind === "json" ? output.value : output;
}

/** [feature, SQL, expected output row (undefined: no match)] */
const table: Array<[string, string, unknown]> = [
  ["SELECT *", "SELECT * FROM 'dt/#'", payload],
  ["field path and alias", "SELECT state.mode AS mode, temp FROM 'dt/#'", { mode: "cooling", temp: 41.5 }],
  ["a field named by its last segment", "SELECT state.zones FROM 'dt/#'", { zones: 3 }],
  ["a missing field is left out", "SELECT nothing, temp FROM 'dt/#'", { temp: 41.5 }],
  ["topic()", "SELECT topic() AS t FROM 'dt/#'", { t: "dt/fleetline/freestyle/fs-9/telemetry" }],
  [
    "topic(n)",
    "SELECT topic(3) AS type, topic(4) AS thing FROM 'dt/#'",
    { type: "freestyle", thing: "fs-9" },
  ],
  ["topic(n) past the last level", "SELECT topic(9) AS x, temp FROM 'dt/#'", { temp: 41.5 }],
  ["clientid()", "SELECT clientid() AS c FROM 'dt/#'", { c: "fs-9" }],
  ["timestamp()", "SELECT timestamp() AS at FROM 'dt/#'", { at: 1_764_297_000_000 }],
  ["newuuid()", "SELECT newuuid() AS id FROM 'dt/#'", { id: "00000000-0000-4000-8000-000000000000" }],
  [
    "encode(*, 'base64')",
    "SELECT encode(*, 'base64') AS p FROM 'dt/#'",
    { p: Buffer.from(JSON.stringify(payload)).toString("base64") },
  ],
  [
    "encode(field, 'base64')",
    "SELECT encode(name, 'base64') AS n FROM 'dt/#'",
    { n: Buffer.from("fs-9").toString("base64") },
  ],
  ["* with extra columns", "SELECT *, topic(4) AS thing FROM 'dt/#'", { ...payload, thing: "fs-9" }],
  [
    "string, number, boolean literals",
    "SELECT 'x' AS s, 2.5 AS n, true AS b, -3 AS neg FROM 'dt/#'",
    { s: "x", n: 2.5, b: true, neg: -3 },
  ],
  ["WHERE >", "SELECT temp FROM 'dt/#' WHERE temp > 40", { temp: 41.5 }],
  ["WHERE > false", "SELECT temp FROM 'dt/#' WHERE temp > 50", undefined],
  ["WHERE >=", "SELECT temp FROM 'dt/#' WHERE temp >= 41.5", { temp: 41.5 }],
  ["WHERE <", "SELECT temp FROM 'dt/#' WHERE temp < 41.5", undefined],
  ["WHERE <=", "SELECT temp FROM 'dt/#' WHERE temp <= 41.5", { temp: 41.5 }],
  ["WHERE = string", "SELECT temp FROM 'dt/#' WHERE state.mode = 'cooling'", { temp: 41.5 }],
  ["WHERE <>", "SELECT temp FROM 'dt/#' WHERE state.mode <> 'cooling'", undefined],
  ["WHERE !=", "SELECT temp FROM 'dt/#' WHERE name != 'fs-1'", { temp: 41.5 }],
  ["WHERE = boolean", "SELECT temp FROM 'dt/#' WHERE state.on = true", { temp: 41.5 }],
  ["WHERE on a function", "SELECT temp FROM 'dt/#' WHERE topic(3) = 'freestyle'", { temp: 41.5 }],
  ["startswith", "SELECT temp FROM 'dt/#' WHERE startswith(topic(4), 'fs-')", { temp: 41.5 }],
  ["startswith false", "SELECT temp FROM 'dt/#' WHERE startswith(topic(4), 'prod_')", undefined],
  ["startswith of a number is Undefined", "SELECT temp FROM 'dt/#' WHERE startswith(temp, '4')", undefined],
  ["AND", "SELECT temp FROM 'dt/#' WHERE temp > 40 AND state.on = true", { temp: 41.5 }],
  ["AND false", "SELECT temp FROM 'dt/#' WHERE temp > 40 AND state.on = false", undefined],
  ["OR", "SELECT temp FROM 'dt/#' WHERE temp > 50 OR name = 'fs-9'", { temp: 41.5 }],
  ["NOT", "SELECT temp FROM 'dt/#' WHERE NOT temp > 50", { temp: 41.5 }],
  [
    "parentheses",
    "SELECT temp FROM 'dt/#' WHERE NOT (temp > 40 AND name = 'fs-1') AND (zones = 3 OR true)",
    { temp: 41.5 },
  ],
  ["mixed types compare as Undefined", "SELECT temp FROM 'dt/#' WHERE temp = '41.5'", undefined],
  ["a missing field compares as Undefined", "SELECT temp FROM 'dt/#' WHERE nothing < 3", undefined],
  ["NOT of Undefined is Undefined", "SELECT temp FROM 'dt/#' WHERE NOT nothing", undefined],
  ["escaped quote", "SELECT 'it''s' AS s FROM 'dt/#'", { s: "it's" }],
  ["keywords in any case", "select temp as t from 'dt/#' where temp > 1 and not false", { t: 41.5 }],
];

describe("IoT SQL", () => {
  it.each(table)("%s: %s", (_feature, sql, expected) => {
    expect(run(sql)).toEqual(expected);
  });

  it("runs the pipeline's rule SQL to the envelope docs/reference/contract.md §2 describes", () => {
    expect(run(TELEMETRY_RULE_SQL)).toEqual({
      payload: Buffer.from(JSON.stringify(payload)).toString("base64"),
      topic: "dt/fleetline/freestyle/fs-9/telemetry",
      type: "freestyle",
      thing: "fs-9",
      clientId: "fs-9",
      receivedAt: 1_764_297_000_000,
      messageId: "00000000-0000-4000-8000-000000000000",
    });
  });

  it("encodes a payload that is not JSON, so the rule still forwards it", () => {
    const output = run(TELEMETRY_RULE_SQL, context({ body: "{not json" }));
    expect(output).toMatchObject({ payload: Buffer.from("{not json").toString("base64"), thing: "fs-9" });
  });

  it("passes a non-JSON payload through raw on a bare SELECT *", () => {
    const output = runStatement(parseRuleSql("SELECT * FROM 'dt/#'"), context({ body: "\u0001binary" }));
    expect(output).toEqual({ kind: "raw", bytes: new TextEncoder().encode("\u0001binary") });
  });

  it.each([
    ["SELECT get_thing_shadow(thing, 'role') AS s FROM 'a'", "unsupported function get_thing_shadow()"],
    ["SELECT * FROM 'a' ORDER BY x", "unsupported clause ORDER BY"],
    ["SELECT * FROM 'a' GROUP BY x", "unsupported clause GROUP BY"],
    ["SELECT * FROM 'a' LIMIT 3", "unsupported clause LIMIT"],
    ["SELECT temp + 1 AS t FROM 'a'", "unsupported character '+'"],
    ["SELECT tags[0] AS t FROM 'a'", "unsupported character '['"],
    ["SELECT topic() FROM 'a'", "needs a name (AS name)"],
    ["SELECT topic('x') AS t FROM 'a'", "topic(n) takes a whole number"],
    ["SELECT encode(*, 'hex') AS t FROM 'a'", "only the 'base64' encoding"],
    ["SELECT * FROM topic", "FROM takes a topic filter in single quotes"],
    ["SELECT * FROM 'a/#/b'", "not a valid topic filter"],
    ["SELECT * FROM 'a' WHERE", "expected a value"],
    ["SELECT * FROM 'a' WHERE 'x", "unterminated string"],
    ["SELECT *", "expected FROM"],
  ])("refuses at load: %s", (sql, message) => {
    expect(() => parseRuleSql(sql)).toThrow(message);
  });
});

describe("substitution templates", () => {
  it("evaluates ${expression} against the original message", () => {
    expect(compileTemplate("${topic(4)}")(context())).toBe("fs-9");
    expect(compileTemplate("alerts/${topic(3)}/${name}/x")(context())).toBe("alerts/freestyle/fs-9/x");
    expect(compileTemplate("static")(context())).toBe("static");
  });

  it("refuses an unsupported expression when the rule loads", () => {
    expect(() => compileTemplate("${aws_lambda('arn', *)}")).toThrow("unsupported function aws_lambda()");
    expect(() => compileTemplate("${topic(4)")).toThrow("unterminated substitution");
  });
});

describe("the pipeline's rules, as a redrive rebuilds their output", () => {
  it("evaluates the telemetry rule to core's telemetryEnvelope, malformed bytes and all", () => {
    for (const body of [JSON.stringify(payload), "{oops"]) {
      const ctx = context({ body });
      expect(run(TELEMETRY_RULE_SQL, ctx)).toEqual(
        telemetryEnvelope({
          topic: ctx.topic,
          payload: ctx.payload,
          clientId: ctx.clientId,
          receivedAt: ctx.timestamp,
          messageId: ctx.newUuid(),
        }),
      );
    }
  });

  it("evaluates the command-confirmation rule to core's confirmationEvent", () => {
    const topic = "$aws/things/fs-9/shadow/update/documents";
    for (const body of [JSON.stringify({ current: { state: { reported: { mode: "serving" } } } }), "{}"]) {
      const ctx = context({ topic, body });
      expect(run(CONFIRMATION_RULE_SQL, ctx)).toEqual(confirmationEvent({ topic, payload: ctx.payload }));
    }
  });
});
