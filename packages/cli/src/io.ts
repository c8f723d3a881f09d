import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";

/** Everything a command touches outside itself, so commands run in-process in tests. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  readStdin(): Promise<Uint8Array>;
  readFile(path: string): Promise<Uint8Array>;
  /** Asks on the terminal and resolves with the line typed (only when stdin is a terminal). */
  ask(question: string): Promise<string>;
  now(): number;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export function processIo(): Io {
  // A reader that went away (`fleetline logs | head`) ends the command quietly, not with a stack.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin: () => readAll(process.stdin),
    readFile: (path) => readFile(path),
    ask: async (question) => {
      const terminal = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await terminal.question(question);
      } finally {
        terminal.close();
      }
    },
    now: () => Date.now(),
  };
}
