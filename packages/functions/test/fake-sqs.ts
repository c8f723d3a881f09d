import { randomUUID } from "node:crypto";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receipt?: string;
}

/**
 * Standard SQS queues behind aws-sdk-client-mock, with the habits the adapter must cope with: a
 * receive returns a few messages from a rotating place (no order, no completeness), every receive
 * gives a new receipt handle, and only the newest one deletes (an old one succeeds and does nothing).
 * Each QueueUrl is a queue of its own; `messages` is `defaultQueueUrl`'s (without one, every URL
 * shares one queue).
 */
export function fakeSqs(defaultQueueUrl?: string) {
  const mock = mockClient(SQSClient);
  const queues = new Map<string, { messages: Message[]; cursor: number }>();
  let clock = 1_000;
  const queueOf = (url: string | undefined) => {
    const key = defaultQueueUrl === undefined ? "*" : (url ?? "");
    const queue = queues.get(key) ?? { messages: [], cursor: 0 };
    queues.set(key, queue);
    return queue;
  };

  function install() {
    mock.on(SendMessageCommand).callsFake(({ QueueUrl, MessageBody }) => {
      clock += 1;
      const message = { id: randomUUID(), body: MessageBody as string, sentAt: clock };
      queueOf(QueueUrl).messages.push(message);
      return { MessageId: message.id };
    });
    mock.on(ReceiveMessageCommand).callsFake(({ QueueUrl, MaxNumberOfMessages = 1 }) => {
      const queue = queueOf(QueueUrl);
      const { messages } = queue;
      if (messages.length === 0) return { Messages: [] };
      const count = Math.min(MaxNumberOfMessages, 3, messages.length);
      const picked = Array.from(
        { length: count },
        (_, i) => messages[(queue.cursor + i) % messages.length] as Message,
      );
      queue.cursor = (queue.cursor + 2) % messages.length;
      return {
        Messages: picked.map((message) => {
          message.receipt = randomUUID();
          return {
            MessageId: message.id,
            ReceiptHandle: message.receipt,
            Body: message.body,
            Attributes: { SentTimestamp: String(message.sentAt) },
          };
        }),
      };
    });
    mock.on(DeleteMessageCommand).callsFake(({ QueueUrl, ReceiptHandle }) => {
      const { messages } = queueOf(QueueUrl);
      const index = messages.findIndex((message) => message.receipt === ReceiptHandle);
      if (index >= 0) messages.splice(index, 1);
      return {};
    });
    mock.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }) => ({
      Attributes: {
        ApproximateNumberOfMessages: String(queueOf(QueueUrl).messages.length),
        ApproximateNumberOfMessagesNotVisible: "0",
      },
    }));
  }
  install();

  return {
    mock,
    client: new SQSClient({ region: "eu-west-1" }),
    /** The default queue's messages. */
    messages: queueOf(defaultQueueUrl).messages,
    /** The messages of the queue at `url`. */
    queue: (url: string) => queueOf(url).messages,
    reset() {
      for (const queue of queues.values()) {
        queue.messages.length = 0;
        queue.cursor = 0;
      }
    },
  };
}
