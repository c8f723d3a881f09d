import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Database } from "../src/stores/database.js";

let db: Database;

beforeEach(async () => {
  db = await Database.open(":memory:");
  await db.run("CREATE TABLE t (k VARCHAR PRIMARY KEY, v BIGINT)");
});

afterEach(() => db.close());

describe("Database: statements with parameters, prepared once and run again", () => {
  it("gives each run its own values, by name or by position, in and out of transactions", async () => {
    for (let i = 0; i < 5; i++)
      await db.run("INSERT INTO t VALUES ($k, $v)", { k: `k${i}`, v: BigInt(i * 10) });
    await db.transaction(async (tx) => {
      await tx.run("UPDATE t SET v = $1 WHERE k = $2", [BigInt(99), "k1"]);
      expect(await tx.all("SELECT v FROM t WHERE k = $1", ["k1"])).toEqual([{ v: 99n }]);
    });
    expect(await db.all("SELECT v FROM t WHERE k = $1", ["k4"])).toEqual([{ v: 40n }]);
    expect(await db.all("SELECT v FROM t WHERE k = $1", ["k3"])).toEqual([{ v: 30n }]);
    expect(await db.all("SELECT count(*) AS n FROM t")).toEqual([{ n: 5n }]);
  });

  it("refuses a run that leaves a value out, rather than reusing the last one", async () => {
    await db.run("INSERT INTO t VALUES ($k, $v)", { k: "a", v: 1n });
    await expect(db.run("INSERT INTO t VALUES ($k, $v)", { k: "b" })).rejects.toThrow();
    expect(await db.all("SELECT k FROM t ORDER BY k")).toEqual([{ k: "a" }]);
  });

  it("keeps working past the statements it keeps prepared (the least recently used are let go)", async () => {
    for (let i = 0; i < 300; i++) await db.run(`INSERT INTO t VALUES ($1, ${i})`, [`key-${i}`]);
    // The first statements were let go and are prepared again.
    await db.run("DELETE FROM t WHERE k = $1", ["key-0"]);
    await db.run(`INSERT INTO t VALUES ($1, 0)`, ["key-0"]);
    expect(await db.all("SELECT count(*) AS n FROM t")).toEqual([{ n: 300n }]);
  });
});

describe("Database: several statements of a transaction sent together (steps)", () => {
  it("runs them in order and answers each query's rows", async () => {
    await db.run("CREATE TEMP TABLE staged (k VARCHAR, v BIGINT)");
    const answers = await db.transaction((tx) =>
      tx.steps([
        {
          op: "append",
          table: "staged",
          rows: [
            ["a", 1n],
            ["b", 2n],
          ],
        },
        { op: "all", sql: "INSERT INTO t SELECT * FROM staged RETURNING k" },
        { op: "run", sql: "DELETE FROM staged" },
        { op: "all", sql: "SELECT count(*) AS n FROM staged" },
      ]),
    );
    expect(answers).toEqual([[{ k: "a" }, { k: "b" }], [{ n: 0n }]]);
    expect(await db.all("SELECT k, v FROM t ORDER BY k")).toEqual([
      { k: "a", v: 1n },
      { k: "b", v: 2n },
    ]);
  });

  it("stops at the first failing statement and rolls the whole transaction back", async () => {
    await db.run("INSERT INTO t VALUES ('a', 1)");
    await expect(
      db.transaction((tx) =>
        tx.steps([
          { op: "run", sql: "INSERT INTO t VALUES ('b', 2)" },
          { op: "run", sql: "INSERT INTO t VALUES ('a', 3)" },
          { op: "run", sql: "INSERT INTO t VALUES ('c', 4)" },
        ]),
      ),
    ).rejects.toThrow(/Constraint|PRIMARY KEY|Duplicate/i);
    expect(await db.all("SELECT k, v FROM t ORDER BY k")).toEqual([{ k: "a", v: 1n }]);
  });
});
