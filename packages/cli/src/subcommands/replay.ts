import type { InvocationSummary } from "@fleetline/core/console";
import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, urlOption } from "../options.js";
import { ApiError, callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";
import { describeInvocation } from "./logs.js";

interface ReplayOptions {
  url: string;
  apiToken?: string;
  json?: boolean;
}

/**
 * `fleetline replay <id>` (docs/guide/debugging.md): runs a recorded invocation's event again on the
 * function's current code. Exit 0 when the replay succeeded, 1 when it failed or the id is unknown.
 */
async function replay(id: string, values: ReplayOptions, io: Io): Promise<number> {
  try {
    const response = await callApi(
      values.url,
      `/api/invocations/${encodeURIComponent(id)}/replay`,
      { method: "POST" },
      values.apiToken,
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

export function defineReplay({ program, io, outcome }: Definer): void {
  const command = program
    .command("replay")
    .summary("run a recorded invocation's event again on the current code")
    .description(
      "Run a recorded invocation's event again on the function's current code, with a fresh context; the new invocation is recorded beside the old one. Exit 0 when it succeeded, 1 when it failed or the id is unknown.",
    )
    .argument("<id>", "the invocation's id, as fleetline logs shows it")
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(jsonOption());
  examples(command, [
    ["fleetline replay mh3k2x1c-00002a", "that invocation again, on the code as it is now"],
  ]);
  command.action(run(outcome, (id: string, options: ReplayOptions) => replay(id, options, io)));
}
