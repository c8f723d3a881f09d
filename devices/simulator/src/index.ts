export * from "./chaos.js";
export * from "./credentials.js";
export * from "./dry-run.js";
export * from "./fleet.js";
export * from "./live-fleet.js";
export * from "./provision.js";
export * from "./random.js";
export * from "./simulation.js";
