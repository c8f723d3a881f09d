import { type Command, type CommandLedger, computeDelta } from "@fleetline/core";
import type { Database } from "../state/database.js";

type Row = {
  record: string;
};

/** The command ledger in DuckDB: pending → delivered | expired. */
export class DuckDbCommandLedger implements CommandLedger {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbCommandLedger> {
    await db.run(`CREATE TABLE IF NOT EXISTS commands (
      id VARCHAR PRIMARY KEY, thing VARCHAR NOT NULL, status VARCHAR NOT NULL, created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL, record VARCHAR NOT NULL)`);
    return new DuckDbCommandLedger(db);
  }

  private async put(command: Command): Promise<void> {
    await this.db.run(
      "INSERT OR REPLACE INTO commands VALUES ($id, $thing, $status, $createdAt, $expiresAt, $record)",
      {
        id: command.id,
        thing: command.thing,
        status: command.status,
        createdAt: BigInt(command.createdAt),
        expiresAt: BigInt(command.expiresAt),
        record: JSON.stringify(command),
      },
    );
  }

  add(command: Command): Promise<void> {
    return this.put(command);
  }

  async list(filter: { thing?: string }): Promise<Command[]> {
    const rows = await this.db.all<Row>(
      "SELECT record FROM commands WHERE ($thing IS NULL OR thing = $thing) ORDER BY created_at DESC, id",
      { thing: filter.thing ?? null },
    );
    return rows.map((row) => JSON.parse(row.record) as Command);
  }

  async markDelivered(thing: string, reported: Record<string, unknown>, at: number): Promise<Command[]> {
    const pending = (await this.list({ thing })).filter((command) => command.status === "pending");
    // Delivered: nothing the command desired still differs from what the device reports.
    const delivered = pending
      .filter((command) => Object.keys(computeDelta(command.desired, reported)).length === 0)
      .map((command): Command => ({ ...command, status: "delivered", deliveredAt: at }));
    for (const command of delivered) await this.put(command);
    return delivered;
  }

  async expire(now: number): Promise<Command[]> {
    const rows = await this.db.all<Row>(
      "SELECT record FROM commands WHERE status = 'pending' AND expires_at <= $now",
      {
        now: BigInt(now),
      },
    );
    const expired = rows.map(
      (row): Command => ({ ...(JSON.parse(row.record) as Command), status: "expired" }),
    );
    for (const command of expired) await this.put(command);
    return expired;
  }
}
