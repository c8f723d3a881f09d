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
 * A standard SQS queue behind aws-sdk-client-mock, with the habits the adapter must cope with: a
 * receive returns a few messages from a rotating place (no order, no completeness), every receive
 * gives a new receipt handle, and only the newest one deletes (an old one succeeds and does nothing).
 */
export function fakeSqs() {
  const mock = mockClient(SQSClient);
  const messages: Message[] = [];
  let clock = 1_000;
  let cursor = 0;

  function install() {
    mock.on(SendMessageCommand).callsFake(({ MessageBody }) => {
      clock += 1;
      const message = { id: randomUUID(), body: MessageBody as string, sentAt: clock };
      messages.push(message);
      return { MessageId: message.id };
    });
    mock.on(ReceiveMessageCommand).callsFake(({ MaxNumberOfMessages = 1 }) => {
      if (messages.length === 0) return { Messages: [] };
      const count = Math.min(MaxNumberOfMessages, 3, messages.length);
      const picked = Array.from(
        { length: count },
        (_, i) => messages[(cursor + i) % messages.length] as Message,
      );
      cursor = (cursor + 2) % messages.length;
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
    mock.on(DeleteMessageCommand).callsFake(({ ReceiptHandle }) => {
      const index = messages.findIndex((message) => message.receipt === ReceiptHandle);
      if (index >= 0) messages.splice(index, 1);
      return {};
    });
    mock.on(GetQueueAttributesCommand).callsFake(() => ({
      Attributes: {
        ApproximateNumberOfMessages: String(messages.length),
        ApproximateNumberOfMessagesNotVisible: "0",
      },
    }));
  }
  install();

  return {
    mock,
    client: new SQSClient({ region: "eu-west-1" }),
    messages,
    reset() {
      messages.length = 0;
      cursor = 0;
    },
  };
}
