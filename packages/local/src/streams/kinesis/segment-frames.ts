/**
 * One record of a shard's segment file, as bytes: the record's sequence number, its arrival time,
 * partition key and data (base64, as the Kinesis API carries it), framed by its length at both ends
 * so a frame torn by a crash is recognised and cut off when the file is read back.
 *
 *   u32 length | u8 sequence length | sequence | f64 arrival | u16 key length | key
 *   | u32 data length | data | u32 length
 */

/** A stream record as kinesalite's actions keep it. */
export interface RecordValue {
  PartitionKey: string;
  /** base64 */
  Data: string;
  /** seconds since the epoch, with milliseconds */
  ApproximateArrivalTimestamp: number;
}

export interface LogEntry {
  /** The record's sequence number: 56 decimal digits, so their order is the strings' order. */
  seq: string;
  value: RecordValue;
}

const FIXED = 4 + 1 + 8 + 2 + 4 + 4;

/** The frames of `entries`, back to back, in one buffer. */
export function encodeFrames(entries: readonly LogEntry[]): Buffer {
  let size = 0;
  const keys: number[] = [];
  for (const { seq, value } of entries) {
    const keyBytes = Buffer.byteLength(value.PartitionKey, "utf8");
    keys.push(keyBytes);
    size += FIXED + seq.length + keyBytes + value.Data.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  entries.forEach(({ seq, value }, i) => {
    const keyBytes = keys[i] as number;
    const length = FIXED + seq.length + keyBytes + value.Data.length;
    out.writeUInt32LE(length, at);
    out.writeUInt8(seq.length, at + 4);
    at += 5;
    at += out.write(seq, at, "latin1");
    out.writeDoubleLE(value.ApproximateArrivalTimestamp, at);
    out.writeUInt16LE(keyBytes, at + 8);
    at += 10;
    at += out.write(value.PartitionKey, at, keyBytes, "utf8");
    out.writeUInt32LE(value.Data.length, at);
    at += 4;
    at += out.write(value.Data, at, "latin1");
    out.writeUInt32LE(length, at);
    at += 4;
  });
  return out;
}

/**
 * The whole frames at the start of `bytes`, and where the first torn or damaged one begins (the
 * length a crash-cut file is truncated to).
 */
export function decodeFrames(bytes: Buffer): { entries: LogEntry[]; validBytes: number } {
  const entries: LogEntry[] = [];
  let at = 0;
  while (at + FIXED <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    if (length < FIXED || at + length > bytes.length || bytes.readUInt32LE(at + length - 4) !== length) break;
    let p = at + 4;
    const seqLength = bytes.readUInt8(p);
    p += 1;
    const seq = bytes.toString("latin1", p, p + seqLength);
    p += seqLength;
    const arrival = bytes.readDoubleLE(p);
    const keyLength = bytes.readUInt16LE(p + 8);
    p += 10;
    const key = bytes.toString("utf8", p, p + keyLength);
    p += keyLength;
    const dataLength = bytes.readUInt32LE(p);
    p += 4;
    if (p + dataLength + 4 !== at + length) break;
    const data = bytes.toString("latin1", p, p + dataLength);
    entries.push({ seq, value: { PartitionKey: key, Data: data, ApproximateArrivalTimestamp: arrival } });
    at += length;
  }
  return { entries, validBytes: at };
}

/** `a` before `b` (negative), the same (0) or after: sequence numbers compared as numbers. */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
