import { type ApiApp, badParameter } from "@fleetline/api";
import { isValidTopicFilter } from "@fleetline/core/aws";
import type { MessageSource } from "../iot/bus/message-source.js";
import { tapMessages } from "../iot/bus/message-tap.js";
import { EventStreams } from "./event-streams.js";

/**
 * The MQTT client of the runtime's API (docs/reference/api.md): `GET /api/mqtt/subscribe?filter=…`
 * streams every message on the broker matching the filters, as server-sent events — what
 * `fleetline tail` and the dashboard's MQTT view read. Publishing a test message is the IoT Data
 * Plane's `POST /topics/{topic}`. Local only: on AWS the IoT console's MQTT test client does this.
 */
export function mqttClientRoutes(app: ApiApp, source: MessageSource): () => Promise<void> {
  const streams = new EventStreams();
  app.add("GET", "/api/mqtt/subscribe", async (request) => {
    const filters = request.query.getAll("filter");
    if (filters.length === 0)
      throw badParameter("filter", "give one or more topic filters, e.g. ?filter=dt/fleetline/%23");
    const invalid = filters.find((filter) => !isValidTopicFilter(filter));
    if (invalid !== undefined)
      throw badParameter(
        "filter",
        `"${invalid}" is not an MQTT topic filter (+ and # stand alone in a level, # last)`,
      );
    return streams.response(async (send) => {
      const stop = await tapMessages(source, filters, (message) => send("message", message));
      send("subscribed", { filters });
      return stop;
    });
  });
  // Every stream ends with the runtime.
  return () => streams.close();
}
