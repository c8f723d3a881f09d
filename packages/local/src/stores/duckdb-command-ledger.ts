import {
  type Command,
  type CommandLedger,
  type CommandQuery,
  type CommandStatus,
  commandExpiresAt,
  commandPosition,
} from "@fleetline/core/commands";
import type { Page } from "@fleetline/core/common";
import type { Database, Transaction } from "./database.js";
import { keysetClause, pageFrom } from "./duckdb-pages.js";

type Row = { record: string };
const parse = (rows: Row[]) => rows.map((row) => JSON.parse(row.record) as Command);

/** The command ledger in DuckDB; `retain_until` stands for DynamoDB's TTL (`forgetExpired`). */
export class DuckDbCommandLedger implements CommandLedger {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbCommandLedger> {
    await db.run(`CREATE TABLE IF NOT EXISTS commands (
      id VARCHAR PRIMARY KEY, thing VARCHAR NOT NULL, status VARCHAR NOT NULL, created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL, record VARCHAR NOT NULL)`);
    await db.run("ALTER TABLE commands ADD COLUMN IF NOT EXISTS retain_until BIGINT");
    return new DuckDbCommandLedger(db);
  }

  private async write(tx: Pick<Transaction, "run">, command: Command, conflict: "OR REPLACE" | "OR IGNORE") {
    const retainUntil = commandExpiresAt(command);
    await tx.run(
      `INSERT ${conflict} INTO commands VALUES ($id, $thing, $status, $createdAt, $expiresAt, $record, $retainUntil)`,
      {
        id: command.id,
        thing: command.thing,
        status: command.status,
        createdAt: BigInt(command.createdAt),
        expiresAt: BigInt(command.expiresAt),
        record: JSON.stringify(command),
        retainUntil: retainUntil === undefined ? null : BigInt(retainUntil),
      },
    );
  }

  add(command: Command): Promise<void> {
    return this.write(this.db, command, "OR IGNORE");
  }

  async get(id: string): Promise<Command | undefined> {
    return parse(await this.db.all<Row>("SELECT record FROM commands WHERE id = $id", { id }))[0];
  }

  async pending(thing: string): Promise<Command[]> {
    return parse(
      await this.db.all<Row>(
        "SELECT record FROM commands WHERE thing = $thing AND status = 'pending' ORDER BY created_at, id",
        { thing },
      ),
    );
  }

  async due(now: number, limit: number): Promise<Command[]> {
    return parse(
      await this.db.all<Row>(
        "SELECT record FROM commands WHERE status = 'pending' AND expires_at <= $now ORDER BY expires_at, id LIMIT $limit",
        { now: BigInt(now), limit },
      ),
    );
  }

  transition(next: Command, from: CommandStatus): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.all<{ status: string }>("SELECT status FROM commands WHERE id = $id", {
        id: next.id,
      });
      if (row?.status !== from) return false;
      await this.write(tx, next, "OR REPLACE");
      return true;
    });
  }

  async page(query: CommandQuery): Promise<Page<Command>> {
    const keyset = keysetClause("created_at", "id", query);
    const rows = await this.db.all<Row>(
      `SELECT record FROM commands WHERE ($thing IS NULL OR thing = $thing) AND ${keyset.where} ${keyset.order}`,
      { thing: query.thing ?? null, ...keyset.params },
    );
    return pageFrom(parse(rows), commandPosition, query.limit);
  }

  /** DynamoDB's TTL, locally: deletes finished commands past their retention. */
  async forgetExpired(now: number): Promise<void> {
    await this.db.run("DELETE FROM commands WHERE retain_until <= $now", { now: BigInt(now) });
  }
}
