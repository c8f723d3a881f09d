#!/usr/bin/env node
// One step of `fleetline bench`'s scale measure, in a process of its own: `scale-step.js DEVICES HOLD_MS [RATE_HZ]`
// prints the step's figures as one JSON line.
import { register } from "tsx/esm/api";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { scaleStep } = await import("../src/bench/scale-bench.ts");
const [devices, hold, rate] = process.argv.slice(2).map(Number);
process.stdout.write(`${JSON.stringify(await scaleStep(devices, hold, rate || undefined))}\n`);
process.exit(0);
