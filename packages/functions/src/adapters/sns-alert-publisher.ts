import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { AlertPublisher, AlertRecord } from "@fleetline/core/alarms";
import { fleetlineError } from "@fleetline/core/common";

/**
 * Sends alert records to operators through an SNS topic: the record as the message, with thing,
 * severity and status as message attributes so subscriptions can filter on them.
 */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertRecord): Promise<void> {
    const attribute = (value: string) => ({ DataType: "String", StringValue: value });
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: `[${alert.severity}] ${alert.code} ${alert.status} on ${alert.thing}`.slice(0, 100),
          Message: JSON.stringify(alert),
          MessageAttributes: {
            thing: attribute(alert.thing),
            severity: attribute(alert.severity),
            status: attribute(alert.status),
          },
        }),
      );
    } catch (error) {
      throw fleetlineError("PUBLISH_FAILED", `alert ${alert.id} not published to SNS`, error);
    }
  }
}
