import type { Io } from "../src/io.js";
import { main } from "../src/main.js";

/** Runs `fleetline <args>` in-process with an Io that keeps what it printed. */
export async function runCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdinIsTTY: false,
    stderrIsTTY: false,
    readStdin: async () => new Uint8Array(),
    readFile: async () => new Uint8Array(),
    ask: async () => "",
    now: () => Date.now(),
  };
  const code = await main(args, io);
  return { code, out: out.join(""), err: err.join("") };
}
