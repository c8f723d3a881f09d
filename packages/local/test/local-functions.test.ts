import { Logger } from "@aws-lambda-powertools/logger";
import { hold } from "@fleetline/testing";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { kinesisEvent } from "../src/streams/event-sources/kinesis-event.js";
import { InvocationLog } from "../src/streams/lambda/invocation-log.js";
import { LocalFunctions } from "../src/streams/lambda/local-functions.js";

const origin = {
  shardId: "shardId-000000000001",
  streamArn: "arn:aws:kinesis:x",
  region: "us-east-1",
  functionName: "f",
};
const batch = (...seqs: string[]): KinesisStreamEvent =>
  kinesisEvent(
    seqs.map((sequenceNumber) => ({
      sequenceNumber,
      partitionKey: "fs-1",
      data: new TextEncoder().encode(sequenceNumber),
      approximateArrivalTimestamp: 1_000,
    })),
    origin,
  );
const region = { trigger: "kinesis" as const, region: "us-east-1" };
const tick = () => hold(5);

describe("the invocation console's record of each invocation", () => {
  it("keeps the batch, the result, the duration and what the handler logged, each invocation its own lines", async () => {
    const functions = new LocalFunctions(new InvocationLog());
    // The handlers' own logger, which writes one JSON line per entry to stdout.
    const logger = new Logger({ serviceName: "validate", logLevel: "INFO" });
    const entry = functions.define(
      "validate",
      async (event: KinesisStreamEvent) => {
        const first = event.Records[0]?.kinesis.sequenceNumber;
        logger.info(`checking from ${first}`);
        await tick();
        process.stderr.write(`done ${first}\n`);
        return { batchItemFailures: first === "20" ? [{ itemIdentifier: "21" }] : [] };
      },
      region,
    );
    // Two invocations interleaving: neither's lines end up in the other's record.
    await Promise.all([entry(batch("10", "11", "12")), entry(batch("20", "21"))]);
    const [second, first] = functions.log.list({ functionName: "validate" }).items;
    expect(first).toMatchObject({
      functionName: "validate",
      trigger: "kinesis",
      shardId: "shardId-000000000001",
      batchSize: 3,
      firstSequenceNumber: "10",
      lastSequenceNumber: "12",
      status: "ok",
    });
    const lines = (record: typeof first) =>
      record?.logs.map((l) => [l.stream, l.line.startsWith("{") ? JSON.parse(l.line).message : l.line]);
    expect(lines(first)).toEqual([
      ["stdout", "checking from 10"],
      ["stderr", "done 10"],
    ]);
    expect(second).toMatchObject({ status: "partial", failedItems: ["21"], batchSize: 2 });
    expect(lines(second)).toEqual([
      ["stdout", "checking from 20"],
      ["stderr", "done 20"],
    ]);
    expect(first?.durationMs).toBeGreaterThan(0);
    expect((first?.event as KinesisStreamEvent | undefined)?.Records).toHaveLength(3);
  });

  it("records an error with its stack, and still throws it to the trigger", async () => {
    const functions = new LocalFunctions(new InvocationLog());
    const entry = functions.define(
      "store",
      async () => {
        throw new TypeError("cannot read metrics of undefined");
      },
      region,
    );
    await expect(entry(batch("1"))).rejects.toThrow("cannot read metrics");
    const [record] = functions.log.list({ status: "error" }).items;
    expect(record?.error?.type).toBe("TypeError");
    expect(record?.error?.stack).toContain("local-functions.test.ts");
  });

  it("keeps the last N of each function and pages through them newest first", async () => {
    const functions = new LocalFunctions(new InvocationLog(3));
    const entry = functions.define(
      "alerts",
      async (event: KinesisStreamEvent) => event.Records.length,
      region,
    );
    for (let i = 0; i < 5; i++) await entry(batch(String(i)));
    const all = functions.log.list({ functionName: "alerts" }).items;
    expect(all.map((r) => r.firstSequenceNumber)).toEqual(["4", "3", "2"]);
    const page = functions.log.list({ functionName: "alerts", limit: 2 });
    expect(page.items.map((r) => r.firstSequenceNumber)).toEqual(["4", "3"]);
    const rest = functions.log.list({ functionName: "alerts", limit: 2, cursor: page.next as string });
    expect(rest.items.map((r) => r.firstSequenceNumber)).toEqual(["2"]);
    expect(rest.next).toBeUndefined();
  });

  it("runs the swapped-in code from the next invocation, and replays a recorded event on it", async () => {
    const functions = new LocalFunctions(new InvocationLog());
    const seen: string[] = [];
    const entry = functions.define(
      "store",
      async (event: KinesisStreamEvent, context: Context) => {
        seen.push(`old ${context.awsRequestId}`);
        throw new Error(`bug on ${event.Records[0]?.kinesis.sequenceNumber}`);
      },
      region,
    );
    await expect(entry(batch("7"))).rejects.toThrow("bug on 7");
    const [failed] = functions.log.list().items;
    functions.swap("store", async (event: never, context: Context) => {
      seen.push(`new ${context.awsRequestId}`);
      return { batchItemFailures: [], records: (event as KinesisStreamEvent).Records.length };
    });
    const replayed = await functions.replay(failed?.id as string);
    expect(replayed).toMatchObject({
      functionName: "store",
      trigger: "replay",
      replayOf: failed?.id,
      status: "ok",
    });
    expect(replayed.firstSequenceNumber).toBe("7");
    // A fresh context: a new request id.
    expect(seen).toHaveLength(2);
    expect(seen[1]?.startsWith("new ")).toBe(true);
    expect(seen[1]?.slice(4)).not.toBe(seen[0]?.slice(4));
    expect(functions.log.list({ functionName: "store" }).items.map((r) => r.id)).toEqual([
      replayed.id,
      failed?.id,
    ]);
    await expect(functions.replay("nope")).rejects.toThrow("no invocation nope");
  });
});

describe("a stream function without a timeout (fleetline dev --inspect)", () => {
  it("waits for a slow invocation instead of abandoning it", async () => {
    const { ShardInvoker } = await import("../src/streams/event-sources/invoker.js");
    const { lambdaContext } = await import("../src/streams/event-sources/kinesis-event.js");
    const slow = async () => {
      await hold(50);
      return { batchItemFailures: [] };
    };
    const invoker = new ShardInvoker(slow, 0);
    await expect(
      invoker.invoke(batch("1"), (deadline) => lambdaContext("f", "us-east-1", deadline)),
    ).resolves.toEqual({
      batchItemFailures: [],
    });
    const timed = new ShardInvoker(slow, 10);
    await expect(
      timed.invoke(batch("1"), (deadline) => lambdaContext("f", "us-east-1", deadline)),
    ).rejects.toThrow("Task timed out after 10 ms");
  });
});
