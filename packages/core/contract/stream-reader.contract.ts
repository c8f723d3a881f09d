import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64 } from "../src/common/index.js";
import type { StreamReader, StreamRecord } from "../src/pipeline/index.js";
import { useFixture } from "./fixture.js";

export interface StreamReaderFixture {
  reader: StreamReader;
  /** Puts records on one shard of a stream, in order; says where they went. */
  append(
    records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>,
  ): Promise<{ streamArn: string; shardId: string; sequenceNumbers: string[] }>;
  close(): Promise<void>;
}

const text = (record: StreamRecord) =>
  new TextDecoder().decode(decodeBase64(record.dataBase64) ?? new Uint8Array());

/** The behaviour every stream reader must have: a batch read back as the stream holds it, or why not. */
export function describeStreamReaderContract(name: string, setup: () => Promise<StreamReaderFixture>) {
  describe(`${name} (stream reader contract)`, () => {
    const current = useFixture(setup);
    const encoder = new TextEncoder();
    const put = (n: number) =>
      current().append(
        Array.from({ length: n }, (_, i) => ({
          partitionKey: "fs-reader",
          data: encoder.encode(`{"n":${i}}`),
        })),
      );

    it("reads back exactly the records of a range, in order, with their keys and bytes", async () => {
      const { streamArn, shardId, sequenceNumbers } = await put(6);
      const records = await current().reader.read({
        streamArn,
        shardId,
        startSequenceNumber: sequenceNumbers[1] as string,
        endSequenceNumber: sequenceNumbers[4] as string,
      });
      if (!Array.isArray(records)) throw new Error(records.gone);
      expect(records.map((r) => r.sequenceNumber)).toEqual(sequenceNumbers.slice(1, 5));
      expect(records.map(text)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
      expect(records.every((r) => r.partitionKey === "fs-reader" && r.approximateArrivalTimestamp > 0)).toBe(
        true,
      );
      expect(records[0]?.dataBase64).toBe(encodeBase64(encoder.encode('{"n":1}')));
    });

    it("reads a range that ends at the shard's newest record", async () => {
      const { streamArn, shardId, sequenceNumbers } = await put(3);
      const records = await current().reader.read({
        streamArn,
        shardId,
        startSequenceNumber: sequenceNumbers[0] as string,
        endSequenceNumber: sequenceNumbers[2] as string,
      });
      expect(Array.isArray(records) && records.map(text)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    });

    it("says a range is past retention when its first record is not on the shard", async () => {
      const { streamArn, shardId, sequenceNumbers } = await put(2);
      const missing = String(BigInt(sequenceNumbers[0] as string) - 1n);
      expect(
        await current().reader.read({
          streamArn,
          shardId,
          startSequenceNumber: missing,
          endSequenceNumber: sequenceNumbers[1] as string,
        }),
      ).toEqual({ gone: expect.stringContaining("past the stream's retention") });
    });

    it("says a range's shard no longer exists", async () => {
      const { streamArn, sequenceNumbers } = await put(1);
      const gone = await current().reader.read({
        streamArn,
        shardId: "shardId-000000000099",
        startSequenceNumber: sequenceNumbers[0] as string,
        endSequenceNumber: sequenceNumbers[0] as string,
      });
      expect(gone).toEqual({ gone: expect.stringContaining("shardId-000000000099") });
    });
  });
}
