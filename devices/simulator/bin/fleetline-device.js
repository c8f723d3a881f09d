#!/usr/bin/env node
// One simulated device as a process, on the device client: `fleetline conformance -- node devices/simulator/bin/fleetline-device.js`.
import { register } from "tsx/esm/api";

register();
const { runDevice } = await import("../src/device-main.ts");
try {
  await runDevice(process.env);
  process.exit(0);
} catch (error) {
  process.stderr.write(`fleetline-device: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
