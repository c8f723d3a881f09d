import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

it("lints what git tracks, never a scratch file that lies beside it", () => {
  // Untracked and not ignored: what a developer's half-written file is.
  const name = `lint-scope-probe-${process.pid}.ts`;
  const probe = join(root, "packages", "testing", name);
  writeFileSync(probe, "var   unused = 1\n");
  try {
    const direct = spawnSync(
      join(root, "node_modules", ".bin", "biome"),
      ["check", "--error-on-warnings", probe],
      { cwd: root, encoding: "utf8" },
    );
    // The probe is something Biome refuses when asked about it...
    expect(direct.status).not.toBe(0);
    const lint = spawnSync("npm", ["run", "--silent", "lint"], { cwd: root, encoding: "utf8" });
    // ...and the project's lint, the one `npm test` runs, does not look at it.
    expect(`${lint.stdout}${lint.stderr}`).not.toContain(name);
  } finally {
    rmSync(probe, { force: true });
  }
}, 60_000);
