import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { describeDeadLetterQueueContract } from "@fleetline/core/contract";
import { describe, expect, it } from "vitest";
import { SqsDeadLetterQueue } from "../src/adapters/sqs-dead-letter-queue.js";
import { fakeSqs } from "./fake-sqs.js";

const sqs = fakeSqs();
const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/test-DeadLetters";

describeDeadLetterQueueContract("SqsDeadLetterQueue (mocked SQS)", async () => {
  sqs.reset();
  return { queue: new SqsDeadLetterQueue(sqs.client, QUEUE), close: async () => sqs.reset() };
});

describe("SqsDeadLetterQueue (mocked SQS)", () => {
  it("lists every message oldest first although each receive returns a few from anywhere", async () => {
    sqs.reset();
    const queue = new SqsDeadLetterQueue(sqs.client, QUEUE);
    for (let n = 0; n < 25; n++) await queue.send({ n });
    const listed = await queue.list(100);
    expect(listed.map((m) => (m.body as { n: number }).n)).toEqual([...Array(25).keys()]);
    expect(await queue.count()).toBe(25);
  });

  it("deletes with the newest receipt handle, after other peeks", async () => {
    sqs.reset();
    const queue = new SqsDeadLetterQueue(sqs.client, QUEUE);
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await queue.send({ n }));
    await queue.list(10);
    await new SqsDeadLetterQueue(sqs.client, QUEUE).list(10);
    await queue.delete(ids[2] as string);
    expect(sqs.messages.map((m) => JSON.parse(m.body).n)).toEqual([0, 1, 3, 4]);
  });

  it("reports a queue it cannot read as a store outage", async () => {
    const forbidden = `${QUEUE}-of-another-account`;
    sqs.mock.on(GetQueueAttributesCommand, { QueueUrl: forbidden }).rejects(new Error("AccessDenied"));
    const failed = new SqsDeadLetterQueue(sqs.client, forbidden).count();
    await expect(failed).rejects.toThrow("SQS GetQueueAttributes failed: AccessDenied");
    await expect(failed).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });

  it("keeps a body that is not JSON as text", async () => {
    sqs.reset();
    sqs.messages.push({ id: "m-1", body: "not json", sentAt: 5 });
    expect(await new SqsDeadLetterQueue(sqs.client, QUEUE).list(1)).toEqual([
      { messageId: "m-1", body: "not json", sentAt: 5 },
    ]);
  });
});
