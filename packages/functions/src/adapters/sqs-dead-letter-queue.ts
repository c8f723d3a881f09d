import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { fleetlineError, type SortPosition, sortsAfter } from "@fleetline/core/common";
import { type DeadLetter, type DeadLetterQueue, deadLetterPosition } from "@fleetline/core/redrive";

const MAX_SCAN = 1000;

function parse(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? "");
  } catch {
    return body ?? "";
  }
}

/**
 * The dead-letter queue on SQS, where the event-source mappings send what they gave up on. Listing
 * peeks (visibility timeout 0, so nothing is hidden from a redrive) and sorts by sent time, since
 * a standard queue keeps no order; deleting uses the newest receipt handle, as SQS requires.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: unknown): Promise<string> {
    const sent = await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }),
    );
    return sent.MessageId as string;
  }

  /**
   * Up to `limit` messages, each with the receipt handle of its latest receive. A receive samples
   * some servers only: it keeps going until a few come back with nothing new, or `until` is seen.
   */
  private async peek(limit: number, until?: string): Promise<Map<string, DeadLetter & { receipt: string }>> {
    const seen = new Map<string, DeadLetter & { receipt: string }>();
    let emptyReceives = 0;
    while (seen.size < Math.min(limit, MAX_SCAN) && emptyReceives < 3) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["SentTimestamp"],
        }),
      );
      let fresh = 0;
      for (const message of Messages) {
        const messageId = message.MessageId as string;
        if (!seen.has(messageId)) fresh += 1;
        seen.set(messageId, {
          messageId,
          body: parse(message.Body),
          sentAt: Number(message.Attributes?.SentTimestamp ?? 0),
          receipt: message.ReceiptHandle as string,
        });
      }
      if (until !== undefined && seen.has(until)) break;
      emptyReceives = fresh === 0 ? emptyReceives + 1 : 0;
    }
    return seen;
  }

  async list(limit: number, after?: SortPosition): Promise<DeadLetter[]> {
    // Past a position, every message is peeked: SQS cannot be asked for those after it.
    return [...(await this.peek(after === undefined ? limit : MAX_SCAN)).values()]
      .map(({ messageId, body, sentAt }) => ({ messageId, body, sentAt }))
      .filter((message) => sortsAfter(deadLetterPosition(message), after))
      .sort((a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : 1))
      .slice(0, limit);
  }

  async count(): Promise<number> {
    let Attributes: Record<string, string> = {};
    try {
      ({ Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      ));
    } catch (error) {
      throw fleetlineError(
        "STORE_UNAVAILABLE",
        `SQS GetQueueAttributes failed: ${(error as Error).message}`,
        error,
      );
    }
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  async delete(messageId: string): Promise<void> {
    // Only the newest receipt handle deletes: peek until the message comes by.
    const receipt = (await this.peek(MAX_SCAN, messageId)).get(messageId)?.receipt;
    if (receipt === undefined)
      throw fleetlineError("NOT_FOUND", `SQS did not show message ${messageId} to delete: it stays queued`);
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }));
  }
}
