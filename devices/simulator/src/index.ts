export { FAULT_PROFILES, type FaultProfile, type Mischief, mischief } from "./chaos.js";
export {
  type AwsTarget,
  certFiles,
  type LocalTarget,
  missingCertificate,
  type Target,
  transportsFor,
} from "./credentials.js";
export { type DryRunOptions, dryRun } from "./dry-run.js";
export { type FleetType, planFleet, type SimulatedDevice } from "./fleet.js";
export {
  DEFAULT_TIMING,
  FAILURE_RATES,
  type UpdateOptions,
  type UpdateTiming,
  updateRunner,
} from "./jobs/update-runner.js";
export { type FleetOptions, type FleetSummary, LiveFleet, type LiveOptions } from "./live-fleet.js";
export {
  type CertificateRegistry,
  type ProvisionedThing,
  type ProvisionOptions,
  provisionThings,
} from "./provision.js";
export { createRandom, type Random } from "./random.js";
export { type Emission, Simulation, type SimulationCounts, type Sink } from "./simulation.js";
