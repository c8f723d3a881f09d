import { type IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import type { AlertPublisher, AlertRecord } from "@fleetline/core/alarms";
import { fleetlineError } from "@fleetline/core/common";
import { alertTopic } from "@fleetline/core/devices";

/** Publishes alert records on `alerts/fleetline/{type}/{thing}` through the IoT Data Plane API, at QoS 1. */
export class IotDataAlertPublisher implements AlertPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(alert: AlertRecord): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          topic: alertTopic(alert.type, alert.thing),
          qos: 1,
          payload: new TextEncoder().encode(JSON.stringify(alert)),
        }),
      );
    } catch (error) {
      throw fleetlineError("PUBLISH_FAILED", `alert ${alert.id} not published to MQTT`, error);
    }
  }
}
