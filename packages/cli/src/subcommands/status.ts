import type { HealthReport } from "@fleetline/core/pipeline";
import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, urlOption } from "../options.js";
import { ApiError, callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

interface StatusOptions {
  url: string;
  apiToken?: string;
  json?: boolean;
}

/** The health report as a table: each component, its status and why. */
export function healthTable(report: HealthReport): string {
  const width = Math.max(...report.components.map((c) => c.name.length), "component".length);
  const rows = report.components.map((c) => `${c.name.padEnd(width)}  ${c.status.padEnd(8)}  ${c.detail}`);
  return [
    `pipeline ${report.status} (checked ${new Date(report.checkedAt).toISOString()})`,
    "",
    `${"component".padEnd(width)}  ${"status".padEnd(8)}  detail`,
    ...rows,
    "",
  ].join("\n");
}

/** `fleetline status` (docs/guide/operate.md, "Health"): the runtime's health in the terminal. */
async function status(options: StatusOptions, io: Io): Promise<number> {
  let report: HealthReport;
  try {
    report = (await (
      await callApi(options.url, "/api/health", { method: "GET" }, options.apiToken)
    ).json()) as HealthReport;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    io.stderr(
      `fleetline status: ${error.status === 404 ? "this API reports no component health (a stage's: use its CloudWatch alarms)" : error.message}\n`,
    );
    return EXIT.invalid;
  }
  io.stdout(options.json ? `${JSON.stringify(report)}\n` : healthTable(report));
  return report.components.some((c) => c.status === "down") ? EXIT.invalid : EXIT.ok;
}

export function defineStatus({ program, io, outcome }: Definer): void {
  const command = program
    .command("status")
    .summary("the running runtime's health, a line per component")
    .description(
      "Print the health of a running fleetline dev, a line per component (broker, rules, event sources, functions, store, queues, alarms, runtime): ok, degraded or down, and why. Exit 1 when a component is down or the runtime cannot be reached.",
    )
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(jsonOption());
  examples(command, [
    ["fleetline status", "the table"],
    ["fleetline status --json", "the report as GET /api/health answers it"],
  ]);
  command.action(run(outcome, (options: StatusOptions) => status(options, io)));
}
