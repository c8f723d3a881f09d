/**
 * kinesalite's sequence-number and hash-key arithmetic, on native BigInt. kinesalite does it with
 * bignumber.js, converting every sequence number between decimal and hex digit by digit, several
 * times per record: the largest single cost of a record's trip through the Kinesis stand-in. These
 * compute the same strings (a test checks them against kinesalite's own over many inputs) and
 * replace kinesalite's exports before its actions load.
 */
import { createHash } from "node:crypto";

const POW_2_124 = 2n ** 124n;
const POW_2_124_NEXT = 2n ** 125n * 16n;
const POW_2_185 = 2n ** 185n;
const POW_2_185_NEXT = 3n * 2n ** 184n;

export interface SequenceParts {
  shardCreateTime: number;
  seqIx?: string | number;
  byte1?: string;
  seqTime?: number;
  seqRand?: string;
  shardIx?: number;
  version?: number | null;
}

const hexToDecimal = (hex: string) => BigInt(`0x${hex}`).toString();

function shardIxToHex(shardIx: number | undefined): string {
  return `0000000${(shardIx || 0).toString(16)}`.slice(-8);
}

export function parseSequence(seq: string | number): SequenceParts {
  let seqNum = BigInt(seq);
  if (seqNum < POW_2_124) seqNum += POW_2_124;
  const hex = seqNum.toString(16);
  const version =
    seqNum < POW_2_124_NEXT
      ? 0
      : seqNum > POW_2_185 && seqNum < POW_2_185_NEXT
        ? Number.parseInt(hex.slice(hex.length - 1), 16)
        : null;
  if (version === 2) {
    const seqIxHex = hex.slice(11, 27);
    let shardIxHex = hex.slice(38, 46);
    if (Number.parseInt(seqIxHex[0] ?? "0", 16) > 7) throw new Error("Sequence index too high");
    if (Number.parseInt(shardIxHex[0] ?? "0", 16) > 7) shardIxHex = `-${shardIxHex}`;
    const shardCreateSecs = Number.parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error(`Date too large: ${shardCreateSecs}`);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: hexToDecimal(seqIxHex),
      byte1: hex.slice(27, 29),
      seqTime: Number.parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: Number.parseInt(shardIxHex, 16),
      version,
    };
  }
  if (version === 1) {
    return {
      shardCreateTime: Number.parseInt(hex.slice(1, 10), 16) * 1000,
      byte1: hex.slice(11, 13),
      seqTime: Number.parseInt(hex.slice(13, 22), 16) * 1000,
      seqRand: hex.slice(22, 36),
      seqIx: Number.parseInt(hex.slice(36, 38), 16),
      shardIx: Number.parseInt(hex.slice(38, 46), 16),
      version,
    };
  }
  if (version === 0) {
    const shardCreateSecs = Number.parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error(`Date too large: ${shardCreateSecs}`);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      byte1: hex.slice(10, 12),
      seqRand: hex.slice(12, 28),
      shardIx: Number.parseInt(hex.slice(28, 32), 16),
      version,
    };
  }
  throw new Error(`Unknown version: ${version}`);
}

const secondsHex = (ms: number) => `00000000${Math.floor(ms / 1000).toString(16)}`.slice(-9);

export function stringifySequence(obj: SequenceParts): string {
  if (obj.version == null || obj.version === 2) {
    return hexToDecimal(
      [
        "2",
        secondsHex(obj.shardCreateTime),
        (obj.shardIx || 0).toString(16).slice(-1),
        `0000000000000000${BigInt(obj.seqIx || 0).toString(16)}`.slice(-16),
        obj.byte1 || "00",
        secondsHex(obj.seqTime || obj.shardCreateTime),
        shardIxToHex(obj.shardIx),
        "2",
      ].join(""),
    );
  }
  if (obj.version === 1) {
    return hexToDecimal(
      [
        "2",
        secondsHex(obj.shardCreateTime),
        (obj.shardIx || 0).toString(16).slice(-1),
        obj.byte1 || "00",
        secondsHex(obj.seqTime || obj.shardCreateTime),
        obj.seqRand || "00000000000000",
        `0${(Number(obj.seqIx) || 0).toString(16)}`.slice(-2),
        shardIxToHex(obj.shardIx),
        "1",
      ].join(""),
    );
  }
  if (obj.version === 0) {
    return hexToDecimal(
      [
        "1",
        secondsHex(obj.shardCreateTime),
        obj.byte1 || "00",
        obj.seqRand || "0000000000000000",
        shardIxToHex(obj.shardIx).slice(-4),
      ].join(""),
    );
  }
  throw new Error(`Unknown version: ${obj.version}`);
}

export function incrementSequence(seqObj: SequenceParts | string, seqTime?: number): string {
  const parts = typeof seqObj === "string" ? parseSequence(seqObj) : seqObj;
  return stringifySequence({
    shardCreateTime: parts.shardCreateTime,
    ...(parts.seqIx !== undefined ? { seqIx: parts.seqIx } : {}),
    seqTime: seqTime || (parts.seqTime as number) + 1000,
    ...(parts.shardIx !== undefined ? { shardIx: parts.shardIx } : {}),
  });
}

/** The 128-bit hash key of a partition key, compared as kinesalite's actions compare it. */
export class HashKey {
  constructor(readonly value: bigint) {}

  comparedTo(other: string | number | { toFixed(): string }): number {
    const right = BigInt(typeof other === "object" ? other.toFixed() : other);
    return this.value < right ? -1 : this.value > right ? 1 : 0;
  }

  toFixed(): string {
    return this.value.toString();
  }
}

export function partitionKeyToHashKey(partitionKey: string): HashKey {
  return new HashKey(BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`));
}

/** Puts these in place of kinesalite's own, in its `db` module's exports. */
export function installFastSequences(db: Record<string, unknown>): void {
  Object.assign(db, { parseSequence, stringifySequence, incrementSequence, partitionKeyToHashKey });
}
