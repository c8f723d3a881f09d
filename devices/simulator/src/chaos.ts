import type { Random } from "./random.js";

export const FAULT_PROFILES = ["none", "default", "chaos"] as const;
export type FaultProfile = (typeof FAULT_PROFILES)[number];

/** What the chaos profile does to one outgoing message. */
export interface Mischief {
  /** Send it twice (same seq, same bytes). */
  duplicate: boolean;
  /** Hold it back and send it after the next one. */
  reorder: boolean;
  /** Added to the device clock for this message; over 15 minutes it is rejected. */
  skewMs: number;
  /** Replace it with a payload the pipeline must reject, and why. */
  malformed?: (bytes: Uint8Array) => Uint8Array;
  /** Lose the network for this long after sending (0: stay online). */
  offlineMs: number;
}

const NONE: Mischief = { duplicate: false, reorder: false, skewMs: 0, offlineMs: 0 };

function corrupt(random: Random): (bytes: Uint8Array) => Uint8Array {
  const kind = random.int(0, 3);
  return (bytes) => {
    const text = new TextDecoder().decode(bytes);
    switch (kind) {
      case 0:
        return new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2))); // truncated
      case 1:
        return new TextEncoder().encode(text.replace('"metrics":{', '"metrics":{"firmwareTemp":1,')); // unknown metric
      case 2:
        return new TextEncoder().encode(text.replace(/"state":"[a-z]+"/, '"state":42')); // wrong type
      default:
        return new TextEncoder().encode(text.replace(/"v":1/, '"v":"1"'));
    }
  };
}

/** Decides, per message, what the profile does: nothing for `none` and `default`, mischief for `chaos`. */
export function mischief(profile: FaultProfile, random: Random, live: boolean): Mischief {
  if (profile !== "chaos") return NONE;
  const result: Mischief = {
    duplicate: random.chance(0.02),
    reorder: random.chance(0.02),
    skewMs: random.chance(0.02) ? 20 * 60_000 : Math.round(random.normal(0, 20_000)),
    offlineMs: live && random.chance(0.005) ? random.int(3_000, 10_000) : 0,
  };
  if (random.chance(0.02)) result.malformed = corrupt(random);
  return result;
}
