import { parseArgs } from "node:util";
import { urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { ApiError, callApi } from "../runtime-api.js";
import { EXIT, UsageError } from "../usage.js";
import { positiveInt } from "./simulate.js";

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

/**
 * `fleetline redrive` (docs/reference/cli.md): takes what the pipeline set aside through it again, a
 * round at a time, with progress on stderr and a summary on stdout. Exit 0 when everything went
 * through (or there was nothing), 1 when some stayed (each with why) or the runtime cannot be
 * reached, 2 on a usage error.
 */
export async function redriveCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      "dead-letter": { type: "boolean" },
      quarantine: { type: "boolean" },
      "rule-errors": { type: "boolean" },
      reason: { type: "string" },
      since: { type: "string" },
      thing: { type: "string" },
      limit: { type: "string" },
      url: { type: "string" },
      "api-token": { type: "string" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const chosen = (Object.keys(SOURCES) as Array<keyof typeof SOURCES>).filter((name) => values[name]);
  if (chosen.length !== 1)
    throw new UsageError("redrive needs exactly one of --dead-letter, --quarantine, --rule-errors");
  const source = chosen[0] as keyof typeof SOURCES;
  const filters = { reason: values.reason, since: values.since, thing: values.thing };
  if (source !== "quarantine" && Object.values(filters).some((v) => v !== undefined))
    throw new UsageError(
      "--reason, --since and --thing choose quarantined messages: use them with --quarantine",
    );
  const url = urlFlag("url", values.url ?? "http://127.0.0.1:8080", ["http:", "https:"]);
  const token = values["api-token"] ?? process.env.FLEETLINE_API_TOKEN;
  const limit = positiveInt("limit", values.limit, 100);
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
