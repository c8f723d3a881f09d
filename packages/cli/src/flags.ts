import { UsageError } from "./usage.js";

export function portFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--${name} must be a port number 0…65535, got "${value}"`);
  }
  return Number(value);
}

export function urlFlag(name: string, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be a URL such as ${protocols[0]}//127.0.0.1:1883, got "${value}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`--${name} must use ${protocols.join(" or ")}, got "${url.protocol}"`);
  }
  return value.replace(/\/$/, "");
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
