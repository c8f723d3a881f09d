/** Limits of the v1 device contract (docs/reference/contract.md §1). */

/** AWS IoT Core: 128 KB maximum MQTT payload. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;
export const MAX_FAULTS = 32;
export const MAX_CARTRIDGES = 48;
export const MAX_FAULT_DETAIL_CHARS = 256;
/** A device clock may run at most this far ahead of the time the broker received the message. */
export const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;
/** Messages older than this (device time vs receive time) are rejected. */
export const MAX_MESSAGE_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Keys that would let a payload reach object prototypes in naive consumers. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
