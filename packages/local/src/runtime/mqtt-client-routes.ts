import { type ApiApp, badParameter } from "@fleetline/api";
import { isValidTopicFilter } from "@fleetline/core/aws";
import type { MessageSource } from "../iot/bus/message-source.js";
import { tapMessages } from "../iot/bus/message-tap.js";

/** How many messages wait for a slow reader before newer ones are counted as dropped instead. */
const READER_BACKLOG = 1_000;

/** A comment line now and then keeps a quiet stream from looking dead to proxies and clients. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The MQTT client of the runtime's API (docs/reference/api.md): `GET /api/mqtt/subscribe?filter=…`
 * streams every message on the broker matching the filters, as server-sent events — what
 * `fleetline tail` and the dashboard's MQTT view read. Publishing a test message is the IoT Data
 * Plane's `POST /topics/{topic}`. Local only: on AWS the IoT console's MQTT test client does this.
 */
export function mqttClientRoutes(app: ApiApp, source: MessageSource): () => Promise<void> {
  const open = new Set<() => Promise<void>>();
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
    const encoder = new TextEncoder();
    let stop: (() => Promise<void>) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    const end = async () => {
      clearInterval(keepAlive);
      if (stop) open.delete(stop);
      await stop?.();
      stop = undefined;
    };
    const body = new ReadableStream<Uint8Array>(
      {
        async start(controller) {
          let dropped = 0;
          const send = (event: string, data: unknown) =>
            controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
          stop = await tapMessages(source, filters, (message) => {
            if ((controller.desiredSize ?? 1) <= 0) {
              dropped += 1;
              return;
            }
            if (dropped > 0) send("dropped", { count: dropped });
            dropped = 0;
            send("message", message);
          });
          open.add(stop);
          send("subscribed", { filters });
          keepAlive = setInterval(
            () => controller.enqueue(encoder.encode(": keep-alive\n\n")),
            KEEP_ALIVE_MS,
          );
        },
        cancel: end,
      },
      { highWaterMark: READER_BACKLOG },
    );
    return {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
      body,
    };
  });
  // Every stream ends with the runtime.
  return async () => {
    for (const stop of [...open]) await stop();
    open.clear();
  };
}
