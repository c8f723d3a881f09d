import { HELP } from "./usage.js";

/**
 * docs/reference/cli.md, written from the one help text the command prints (`npm run docs:cli`);
 * a test fails when the committed page is not what this writes.
 */
export function cliReference(): string {
  return `# Command line: \`fleetline\`

Generated from \`fleetline --help\` by \`npm run docs:cli\` (a test fails when this page is stale).
Run it as \`npx fleetline\` in the repository. Every command answers a usage mistake with one line
on stderr and exit code 2, never a stack trace; 0 is success and 1 a failure the command reports.

\`\`\`text
${HELP.trimEnd()}
\`\`\`
`;
}
