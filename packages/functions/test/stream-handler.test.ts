import { Logger } from "@aws-lambda-powertools/logger";
import { fleetlineError } from "@fleetline/core/common";
import type { BatchOutcome, StreamInput } from "@fleetline/core/pipeline";
import { MemoryDeadLetterQueue } from "@fleetline/testing";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { streamHandler } from "../src/handlers/batch-response.js";

const context = { functionName: "store", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function event(count: number): KinesisStreamEvent {
  return {
    Records: Array.from({ length: count }, (_, i) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "fs-1",
        sequenceNumber: String(i + 1),
        data: Buffer.from(`record ${i + 1}`).toString("base64"),
        approximateArrivalTimestamp: 1,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${i + 1}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/test",
      awsRegion: "eu-west-1",
      eventSourceARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/test-fleetline-validated",
    })),
  };
}

/** A use case that fails the records it is told to, with the errors it is told to. */
const failing = (errors: Record<string, Error>) => async (_inputs: StreamInput[]) =>
  ({ failed: new Map(Object.entries(errors)) }) satisfies BatchOutcome;

const logger = new Logger({ logLevel: "SILENT" });

describe("a stream handler acts on each failed record by its error's kind", () => {
  it("retries a transient failure and dead-letters a poison record at once, with its bytes and why", async () => {
    const deadLetters = MemoryDeadLetterQueue.create();
    const handler = streamHandler(
      failing({
        "2": fleetlineError("STORE_UNAVAILABLE", "timestream down"),
        "3": fleetlineError("RECORD_INVALID", "not a telemetry record"),
      }),
      {},
      logger,
      deadLetters,
    );
    const response = await handler(event(4), context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    expect((await deadLetters.list(10)).map((m) => m.body)).toEqual([
      expect.objectContaining({
        condition: "PoisonRecord",
        functionName: "store",
        sequenceNumber: "3",
        dataBase64: Buffer.from("record 3").toString("base64"),
        error: { code: "RECORD_INVALID", message: "not a telemetry record" },
      }),
    ]);
  });

  it("retries a poison record when the dead-letter queue cannot take it: nothing is dropped", async () => {
    const deadLetters = MemoryDeadLetterQueue.create();
    deadLetters.failures.failNext(1);
    const handler = streamHandler(
      failing({ "1": fleetlineError("RECORD_INVALID", "bad") }),
      {},
      logger,
      deadLetters,
    );
    expect(await handler(event(2), context)).toEqual({ batchItemFailures: [{ itemIdentifier: "1" }] });
  });

  it("fails the whole invocation on a fatal error: nothing succeeds until the setting is fixed", async () => {
    const handler = streamHandler(
      failing({ "1": fleetlineError("CONFIG_INVALID", "missing setting TIMESTREAM_TABLE") }),
      {},
      logger,
      MemoryDeadLetterQueue.create(),
    );
    await expect(handler(event(2), context)).rejects.toMatchObject({ code: "CONFIG_INVALID", kind: "fatal" });
  });
});
