export * from "./shadow-errors.js";
export * from "./shadow-merge.js";
export * from "./shadow-operations.js";
export * from "./shadow-types.js";
