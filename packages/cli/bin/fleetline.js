#!/usr/bin/env node
// Runs the TypeScript sources directly: the workspace packages export source, not build output.
import { register } from "tsx/esm/api";

// The AWS SDK's notice about future Node versions says nothing about this command's work.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
