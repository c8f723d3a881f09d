import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    // Files and the tests in them run in a new random order each time (the seed is printed; rerun
    // an order with --sequence.seed=N): no test may rely on another having run before it.
    sequence: { shuffle: true },
    // Any unhandled rejection or uncaught exception fails the test it happened in.
    setupFiles: ["./vitest.setup.ts"],
    // The scratch directory under .tmp exists before any test file runs.
    globalSetup: ["./vitest.global-setup.ts"],
    // The AWS SDK's notice about future Node versions is noise in test output.
    // The runtime's structured logs are for people running it; a test asserts on what it answers.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", POWERTOOLS_LOG_LEVEL: "SILENT" },
    // The JSON report lets CI print a plain "N passed, N failed" line per project.
    reporters: ["default", ["json", { outputFile: ".tmp/vitest-report.json" }]],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Each package's tests and the stacks': unit tests, and integration tests of one package
          // against its real embedded components on port 0.
          include: [
            "packages/*/test/**/*.test.ts",
            "devices/*/test/**/*.test.ts",
            "stacks/test/**/*.test.ts",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          // The system suites against a real `fleetline dev`: fault injection, security, hostile
          // input, firmware over mutual TLS and MQTT 5, durability across restarts.
          include: ["e2e/**/*.test.ts"],
        },
      },
    ],
  },
});
