// The local stand-ins of the AWS services and the runtime behind `fleetline dev`.
export type { LocalBroker } from "./iot/broker/broker.js";
export type { FaultSwitches, Observation } from "./iot/broker/fault-switches.js";
export { mosquittoBinary } from "./iot/broker/mosquitto-broker.js";
export { CertificateAuthority } from "./iot/registry/certificate-authority.js";
export { DiskFailures } from "./lib/disk-failures.js";
export { freePort } from "./lib/net/listen.js";
export type { FunctionName, HandlerFactories } from "./runtime/function-wiring.js";
export type { InjectedFailures } from "./runtime/injected-failures.js";
export { liveRun, resetDataDir } from "./runtime/run-marker.js";
export { Runtime, type RuntimeUrls } from "./runtime/runtime.js";
export type { RuntimeConfig } from "./runtime/runtime-config.js";
export type { RuntimeProbe } from "./runtime/runtime-probe.js";
export { Database } from "./stores/database.js";
export { DuckDbTelemetryStore } from "./stores/duckdb-telemetry-store.js";
