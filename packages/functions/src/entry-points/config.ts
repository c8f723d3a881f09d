import { fleetlineError } from "@fleetline/core/common";

/** Reads the named settings once, at cold start; a missing one fails with its name. */
export function readConfig<const K extends string>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const config = {} as Record<K, string>;
  for (const name of names) {
    const value = env[name];
    if (!value) throw fleetlineError("CONFIG_INVALID", `missing setting ${name}`);
    config[name] = value;
  }
  return config;
}
