import type { Command } from "commander";
import type { Io } from "./io.js";
import { buildProgram } from "./program.js";

const silent: Io = {
  stdout: () => undefined,
  stderr: () => undefined,
  stdinIsTTY: false,
  stderrIsTTY: false,
  readStdin: async () => new Uint8Array(),
  readFile: async () => new Uint8Array(),
  ask: async () => "",
  now: () => 0,
};

/** A command's whole help, as `fleetline <command> --help` prints it (examples included). */
function helpOf(command: Command): string {
  let text = "";
  // One width whatever terminal writes the page, so the committed page never depends on it.
  command.configureHelp({ helpWidth: 100 });
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: () => undefined });
  command.outputHelp();
  return text.trimEnd();
}

/**
 * docs/reference/cli.md, written from the CLI's one definition (`npm run docs:cli`): the
 * command's help and each subcommand's, as they print them. A test fails when the committed page
 * is not what this writes.
 */
export function cliReference(): string {
  const program = buildProgram(silent, { code: 0 });
  const sections = program.commands
    .filter((command) => command.name() !== "help")
    .flatMap((command) => [command, ...command.commands])
    .map((command) => {
      const name = [command.parent?.parent ? command.parent.name() : undefined, command.name()]
        .filter(Boolean)
        .join(" ");
      return `## \`fleetline ${name}\`\n\n\`\`\`text\n${helpOf(command)}\n\`\`\``;
    });
  return `# Command line: \`fleetline\`

Written from the command's own definition by \`npm run docs:cli\` (a test fails when this page is
stale): each section is what \`fleetline <command> --help\` prints. Run it as \`npx fleetline\` in
the repository. Every command answers a usage mistake with one line on stderr and exit code 2,
never a stack trace; 0 is success and 1 a failure the command reports. Every command that talks to
a runtime reads \`FLEETLINE_URL\` and \`FLEETLINE_API_TOKEN\`. Shell completion:
\`eval "$(npx fleetline completion bash)"\` (or \`zsh\`).

\`\`\`text
${helpOf(program)}
\`\`\`

${sections.join("\n\n")}
`;
}
