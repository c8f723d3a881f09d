import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  incrementSequence,
  parseSequence,
  partitionKeyToHashKey,
  stringifySequence,
} from "../src/streams/kinesis/kinesalite-sequences.js";

// kinesalite's own functions, from a fresh copy of its module (the runtime replaces the shared one's).
const require = createRequire(import.meta.url);
const path = require.resolve("kinesalite/db");
const cached = require.cache[path];
delete require.cache[path];
const original = require(path) as {
  parseSequence(seq: string): Record<string, unknown>;
  stringifySequence(obj: Record<string, unknown>): string;
  incrementSequence(obj: Record<string, unknown> | string, seqTime?: number): string;
  partitionKeyToHashKey(key: string): { toFixed(): string; comparedTo(other: string): number };
};
if (cached) require.cache[path] = cached;

const parts = fc.record({
  shardCreateTime: fc.integer({ min: 1_400_000_000, max: 2_000_000_000 }).map((s) => s * 1000),
  seqIx: fc.nat({ max: 2 ** 40 }),
  seqTime: fc.integer({ min: 1_400_000_000, max: 2_000_000_000 }).map((s) => s * 1000),
  shardIx: fc.nat({ max: 1000 }),
});

describe("the Kinesis stand-in's sequence numbers, on BigInt", () => {
  it("are the strings kinesalite makes, and parse back to the same parts", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const seq = stringifySequence(p);
        expect(seq).toBe(original.stringifySequence(p));
        expect(parseSequence(seq)).toEqual(original.parseSequence(seq));
        expect(incrementSequence(seq)).toBe(original.incrementSequence(seq));
        expect(incrementSequence(p, p.seqTime + 5000)).toBe(original.incrementSequence(p, p.seqTime + 5000));
      }),
      { numRuns: 500 },
    );
  });

  it("parse the older versions and refuse what kinesalite refuses", () => {
    for (const version of [0, 1] as const) {
      const seq = original.stringifySequence({
        shardCreateTime: 1_700_000_000_000,
        shardIx: 3,
        seqIx: 7,
        seqTime: 1_700_000_005_000,
        version,
      });
      expect(
        stringifySequence({
          shardCreateTime: 1_700_000_000_000,
          shardIx: 3,
          seqIx: 7,
          seqTime: 1_700_000_005_000,
          version,
        }),
      ).toBe(seq);
      expect(parseSequence(seq)).toEqual(original.parseSequence(seq));
    }
    for (const bad of [(2n ** 150n).toString(), (10n ** 65n - 1n).toString()]) {
      expect(() => original.parseSequence(bad)).toThrow();
      expect(() => parseSequence(bad)).toThrow();
    }
  });

  it("hash partition keys to the same 128-bit keys, compared the same way", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 256 }),
        fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
        (key, other) => {
          const mine = partitionKeyToHashKey(key);
          const theirs = original.partitionKeyToHashKey(key);
          expect(mine.toFixed()).toBe(theirs.toFixed());
          expect(mine.comparedTo(other.toString())).toBe(theirs.comparedTo(other.toString()));
        },
      ),
      { numRuns: 500 },
    );
  });
});
