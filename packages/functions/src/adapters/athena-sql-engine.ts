import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { fleetlineError } from "@fleetline/core/common";

export type SqlRow = Record<string, string | null>;

/** Runs the lake's SQL: Athena on AWS; DuckDB over the same Parquet layout in the tests. */
export interface LakeSqlEngine {
  rows(sql: string): Promise<SqlRow[]>;
}

export interface AthenaSqlEngineOptions {
  /** The stage's workgroup: its result bucket, encryption and bytes-scanned cutoff apply. */
  workGroup: string;
  database: string;
  pollMs?: number;
  /** How long a query may run before the request gives up on it (API Gateway waits 30 s). */
  timeoutMs?: number;
}

/**
 * Athena: starts the query in the stage's workgroup, polls until it is done, and reads every page
 * of its results (strings, as Athena returns them). A query that fails answers STORE_UNAVAILABLE
 * with Athena's reason; one stopped by the workgroup's bytes-scanned cutoff, REQUEST_INVALID.
 */
export class AthenaSqlEngine implements LakeSqlEngine {
  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaSqlEngineOptions,
  ) {}

  async rows(sql: string): Promise<SqlRow[]> {
    try {
      const id = await this.start(sql);
      await this.finished(id);
      return await this.results(id);
    } catch (error) {
      if ((error as { code?: string }).code) throw error;
      throw fleetlineError("STORE_UNAVAILABLE", `Athena: ${(error as Error).message}`, error);
    }
  }

  private async start(sql: string): Promise<string> {
    const { QueryExecutionId } = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        QueryExecutionContext: { Database: this.options.database },
      }),
    );
    if (!QueryExecutionId) throw new Error("StartQueryExecution returned no id");
    return QueryExecutionId;
  }

  private async finished(id: string): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 25_000);
    for (;;) {
      const { QueryExecution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") return;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason = QueryExecution?.Status?.StateChangeReason ?? state;
        if (/bytes scanned/i.test(reason))
          throw fleetlineError(
            "REQUEST_INVALID",
            `the query would scan more than the workgroup allows; ask for a shorter range (${reason})`,
          );
        throw fleetlineError("STORE_UNAVAILABLE", `Athena query ${state.toLowerCase()}: ${reason}`);
      }
      if (Date.now() > deadline)
        throw fleetlineError(
          "STORE_UNAVAILABLE",
          `Athena query ${id} still ${state ?? "unknown"}; gave up waiting`,
        );
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
    }
  }

  private async results(id: string): Promise<SqlRow[]> {
    const rows: SqlRow[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      const columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
      // The first row of a SELECT's first page repeats the column names.
      for (const row of (page.ResultSet?.Rows ?? []).slice(first ? 1 : 0)) {
        rows.push(Object.fromEntries(columns.map((name, i) => [name, row.Data?.[i]?.VarCharValue ?? null])));
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }
}
