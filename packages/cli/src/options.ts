import { parseDuration, parseInstant } from "@fleetline/core/common";
import { isStageName, STAGE_NAME_RULE } from "@fleetline/core/devices";
import { Option } from "commander";
import { UsageError } from "./usage.js";

/**
 * The options and value parsers every subcommand shares. A value that does not parse is a
 * UsageError: one sentence naming the flag, what it got and a valid example (exit 2).
 */

/** Where a running `fleetline dev` (or a stage's ApiUrl) answers; FLEETLINE_URL when set. */
export const DEFAULT_URL = "http://127.0.0.1:8080";

export const urlOption = () =>
  new Option("--url <url>", "the API of a running fleetline dev, or a stage's ApiUrl")
    .env("FLEETLINE_URL")
    .default(DEFAULT_URL)
    .argParser(urlValue("--url", ["http:", "https:"], DEFAULT_URL));

export const apiTokenOption = () =>
  new Option(
    "--api-token <token>",
    "the API's bearer token (better in the environment than on the command line)",
  ).env("FLEETLINE_API_TOKEN");

export const jsonOption = () => new Option("--json", "print machine-readable JSON");

/** A URL with one of `protocols`; `example` is a valid one for this flag. */
export function urlValue(flag: string, protocols: string[], example: string) {
  return (value: string): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${flag} must be a URL such as ${example}, got "${value}"`);
    }
    if (!protocols.includes(url.protocol))
      throw new UsageError(
        `${flag} must be a URL with ${protocols.join(" or ")} such as ${example}, got "${value}"`,
      );
    return value.replace(/\/$/, "");
  };
}

/** A whole number from `min` (1 unless said), e.g. `--devices 10`. */
export function wholeNumber(flag: string, example: number, min = 1, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new UsageError(
        `${flag} must be a whole number ${Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`}, got "${value}" (e.g. ${flag} ${example})`,
      );
    return Number(value);
  };
}

/** A port number 0…65535 (0 picks a free one). */
export function portNumber(flag: string) {
  return (value: string): number => {
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
      throw new UsageError(`${flag} must be a port number 0…65535 (0 picks a free one), got "${value}"`);
    return Number(value);
  };
}

/** A positive number, e.g. a rate in reports per second. */
export function positiveNumber(flag: string, example: string, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || !(number > 0) || number > max)
      throw new UsageError(
        `${flag} must be a number above 0${Number.isFinite(max) ? ` and at most ${max}` : ""}, got "${value}" (e.g. ${flag} ${example})`,
      );
    return number;
  };
}

/** A share from 0 to 1, e.g. a failure rate of `0.02`. */
export function share(flag: string, example: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || number > 1)
      throw new UsageError(`${flag} must be a share from 0 to 1, got "${value}" (e.g. ${flag} ${example})`);
    return number;
  };
}

/** A duration with its unit, e.g. `30s`, `5m`, `1h`; returns milliseconds. */
export function duration(flag: string, example: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (/^\d+(\.\d+)?$/.test(value))
      throw new UsageError(
        `${flag} needs a unit (ms, s, m, h or d), got "${value}" (e.g. ${[...new Set([`${value}s`, example])].map((v) => `${flag} ${v}`).join(" or ")})`,
      );
    if (ms === undefined || !(ms > 0))
      throw new UsageError(
        `${flag} must be a duration above 0 with its unit (ms, s, m, h or d), got "${value}" (e.g. ${flag} ${example})`,
      );
    return ms;
  };
}

/** An instant: ISO-8601 or epoch milliseconds, as the API takes it. */
export function instant(flag: string) {
  return (value: string): number => {
    const at = parseInstant(value);
    if (at === undefined)
      throw new UsageError(
        `${flag} must be an ISO-8601 instant or epoch milliseconds, got "${value}" (e.g. ${flag} 2026-12-01T00:00:00Z or ${flag} ${Date.UTC(2026, 11, 1)})`,
      );
    return at;
  };
}

/** One of `choices`. */
export function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new UsageError(
        `${flag} must be one of ${choices.join(", ")}, got "${value}" (e.g. ${flag} ${choices[0]})`,
      );
    return value as T;
  };
}

/** Whether a host name is this machine's loopback. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A stage name as the stacks take it. */
export function stageName(value: string): string {
  if (!isStageName(value))
    throw new UsageError(
      `--stage must be the deployed stage's name (${STAGE_NAME_RULE}), got "${value}" (e.g. --stage dev)`,
    );
  return value;
}

/** A prefix for thing names. */
export function thingPrefix(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value))
    throw new UsageError(
      `--prefix must be 1–40 of letters, digits, _ and -, got "${value}" (e.g. --prefix sim)`,
    );
  return value;
}
