import { type IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import {
  type RuleMessage,
  type RuleResubmitter,
  TELEMETRY_TOPIC_FILTER,
  topicMatches,
} from "@fleetline/core";

/**
 * The RuleResubmitter on AWS IoT: publishes the original payload on its topic again (QoS 1),
 * through the IoT Data Plane, so the stage's rule for that topic runs on it again. AWS IoT takes no
 * publish on a shadow's `update/documents` topic, so a command-confirmation error stays where it
 * is (the sweep checks each command's shadow at its deadline anyway).
 */
export class IotDataRuleResubmitter implements RuleResubmitter {
  constructor(
    private readonly dataPlane: IoTDataPlaneClient,
    /** The stage's thing-name prefix: a topic of another stage's thing is not republished. */
    private readonly thingPrefix: string,
  ) {}

  async resubmit(message: RuleMessage, ruleName: string): Promise<void> {
    const thing = message.topic.split("/")[3] ?? "";
    if (!topicMatches(TELEMETRY_TOPIC_FILTER, message.topic) || !thing.startsWith(this.thingPrefix))
      throw new Error(
        `${message.topic} (rule ${ruleName}) is not a telemetry topic of this stage: AWS IoT cannot take it through the rule again`,
      );
    await this.dataPlane.send(new PublishCommand({ topic: message.topic, qos: 1, payload: message.payload }));
  }
}
