import { writeFileSync } from "node:fs";
import { cliReference } from "../src/cli-reference.js";

const target = new URL("../../../docs/reference/cli.md", import.meta.url);
writeFileSync(target, cliReference());
console.log(`wrote ${target.pathname}`);
