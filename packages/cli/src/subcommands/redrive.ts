import { REJECT_REASONS } from "@fleetline/core/telemetry";
import { Option } from "commander";
import type { Io } from "../io.js";
import { apiTokenOption, instant, jsonOption, oneOf, urlOption, wholeNumber } from "../options.js";
import { ApiError, callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface Round {
  examined: number;
  redriven: number;
  kept: Array<{ id: string; why: string }>;
  remaining: number;
  run: string;
}

const SOURCES = {
  "dead-letter": { path: "/api/redrive/dead-letter", what: "the dead-letter queue" },
  quarantine: { path: "/api/redrive/quarantine", what: "the quarantine" },
  "rule-errors": { path: "/api/redrive/rule-errors", what: "the rule-errors queue" },
} as const;

interface RedriveOptions {
  deadLetter?: boolean;
  quarantine?: boolean;
  ruleErrors?: boolean;
  reason?: string;
  since?: number;
  thing?: string;
  limit: number;
  url: string;
  apiToken?: string;
  json?: boolean;
}

/**
 * `fleetline redrive` (docs/guide/debugging.md): takes what the pipeline set aside through it again,
 * a round at a time, with progress on stderr and a summary on stdout. Exit 0 when everything went
 * through (or there was nothing), 1 when some stayed (each with why) or the runtime cannot be
 * reached, 2 on a usage error.
 */
async function redrive(values: RedriveOptions, io: Io): Promise<number> {
  const chosen = (["deadLetter", "quarantine", "ruleErrors"] as const).filter((name) => values[name]);
  if (chosen.length !== 1)
    throw new UsageError(
      "redrive needs exactly one of --dead-letter, --quarantine, --rule-errors (e.g. fleetline redrive --dead-letter)",
    );
  const names = { deadLetter: "dead-letter", quarantine: "quarantine", ruleErrors: "rule-errors" } as const;
  const source: keyof typeof SOURCES = names[chosen[0] as keyof typeof names];
  const filters = { reason: values.reason, since: values.since, thing: values.thing };
  if (source !== "quarantine" && Object.values(filters).some((v) => v !== undefined))
    throw new UsageError(
      "--reason, --since and --thing choose quarantined messages: use them with --quarantine",
    );
  const { url, apiToken: token, limit } = values;
  const { path, what } = SOURCES[source];
  const kept: Round["kept"] = [];
  let redriven = 0;
  // The run remembers where it is: each round moves past what it examined, so the run ends.
  let run: string | undefined;
  try {
    for (;;) {
      const body = JSON.stringify({ limit, ...(run ? { run } : {}), ...filters });
      const round = (await (await callApi(url, path, { method: "POST", body }, token)).json()) as Round;
      if (round.examined === 0) break;
      run = round.run;
      redriven += round.redriven;
      kept.push(...round.kept);
      io.stderr(`redrive: ${redriven} redriven, ${kept.length} kept, ${round.remaining} still waiting\n`);
    }
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`fleetline redrive: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
  if (values.json) io.stdout(`${JSON.stringify({ source, redriven, kept })}\n`);
  else if (redriven + kept.length === 0) io.stdout(`nothing to redrive in ${what}\n`);
  else {
    io.stdout(`redrove ${redriven} of ${redriven + kept.length} from ${what}\n`);
    for (const { id, why } of kept) io.stdout(`kept ${id}: ${why}\n`);
  }
  return kept.length === 0 ? EXIT.ok : EXIT.invalid;
}

export function defineRedrive({ program, io, outcome }: Definer): void {
  const command = program
    .command("redrive")
    .summary("take what the pipeline set aside through it again")
    .description(
      "Take what the pipeline set aside through it again, on fleetline dev or a stage (--url its ApiUrl, with the operator's token): dead-lettered batches re-read from their stream, quarantined messages the contract now accepts, the rules' failed messages. A run takes what waited when it began and always ends; an item that fails the same way is kept, once, with why. Exit 0 when everything went through, 1 when some stayed.",
    )
    .option(
      "--dead-letter",
      "batches the event sources gave up on, poison records, failed asynchronous invocations",
    )
    .option("--quarantine", "quarantined messages, judged again by the contract as it is now")
    .option("--rule-errors", "messages the rules could not deliver")
    .addOption(
      new Option("--reason <reason>", "with --quarantine: only this reject reason").argParser(
        oneOf("--reason", REJECT_REASONS),
      ),
    )
    .addOption(
      new Option("--since <instant>", "with --quarantine: only what was quarantined since").argParser(
        instant("--since"),
      ),
    )
    .option("--thing <thing>", "with --quarantine: only this thing's")
    .addOption(
      new Option("--limit <n>", "items a round (1–1000)").default(100).argParser(wholeNumber("--limit", 100)),
    )
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(jsonOption());
  examples(command, [
    ["fleetline redrive --dead-letter", "the batches the event sources gave up on"],
    [
      "fleetline redrive --quarantine --reason UNKNOWN_FIELD --since 2026-12-01T00:00:00Z",
      "after a contract change",
    ],
    ['fleetline redrive --rule-errors --url "$API_URL"', "on a stage (FLEETLINE_API_TOKEN set)"],
  ]);
  command.action(run(outcome, (options: RedriveOptions) => redrive(options, io)));
}
