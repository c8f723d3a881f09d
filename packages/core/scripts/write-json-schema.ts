import { writeFileSync } from "node:fs";
import { telemetryJsonSchema } from "../src/telemetry/json-schema.js";

const target = new URL("../schema/telemetry.v1.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(telemetryJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
