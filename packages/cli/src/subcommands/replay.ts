import { parseArgs } from "node:util";
import type { InvocationSummary } from "@fleetline/core/console";
import { urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { ApiError, callApi } from "../runtime-api.js";
import { EXIT, UsageError } from "../usage.js";
import { describeInvocation } from "./logs.js";

/**
 * `fleetline replay <id>` (docs/reference/cli.md): runs a recorded invocation's event again on the
 * function's current code. Exit 0 when the replay succeeded, 1 when it failed or the id is unknown.
 */
export async function replayCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: "string" }, "api-token": { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const [id, extra] = positionals;
  if (!id) throw new UsageError("replay needs an invocation id (see fleetline logs)");
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const url = urlFlag("url", values.url ?? "http://127.0.0.1:8080", ["http:", "https:"]);
  const token = values["api-token"] ?? process.env.FLEETLINE_API_TOKEN;
  try {
    const response = await callApi(
      url,
      `/api/invocations/${encodeURIComponent(id)}/replay`,
      { method: "POST" },
      token,
    );
    const replayed = (await response.json()) as InvocationSummary;
    io.stdout(values.json ? `${JSON.stringify(replayed)}\n` : `${describeInvocation(replayed)}\n`);
    return replayed.status === "ok" ? EXIT.ok : EXIT.invalid;
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`fleetline replay: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}
