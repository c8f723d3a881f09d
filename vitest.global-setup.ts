import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Tests keep their scratch files under the repository's `.tmp` (gitignored), which a fresh clone
 * does not have: it is made once, before any test file runs, so no test depends on another having
 * made it first.
 */
export default function setup(): void {
  mkdirSync(join(process.cwd(), ".tmp"), { recursive: true });
}
