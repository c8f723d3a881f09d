import { type ApiApp, badParameter, HttpError } from "@fleetline/api";
import { isValidTopicFilter } from "@fleetline/core/aws";
import type { LocalBroker } from "../iot/broker/broker.js";
import type { FaultSwitches, Observation } from "../iot/broker/fault-switches.js";
import { EventStreams } from "./event-streams.js";

/** A whole number of at least 0, or undefined when left out. */
function count(body: Record<string, unknown>, name: keyof FaultSwitches): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    throw badParameter(name, `must be a whole number of at least 0, got ${JSON.stringify(value)}`);
  return value;
}

/** The switches of a request body, each checked; anything else named is refused. */
function switchesOf(body: unknown): FaultSwitches {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new HttpError(400, "INVALID_BODY", "send the switches as a JSON object");
  const given = body as Record<string, unknown>;
  const known = [
    "refuseConnects",
    "withholdPubacks",
    "withholdPubacksOn",
    "dropPingresp",
    "delayDeliveriesMs",
    "conflictShadowUpdates",
  ];
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown) throw badParameter(unknown, `is no fault switch; there are ${known.join(", ")}`);
  if (given.dropPingresp !== undefined && typeof given.dropPingresp !== "boolean")
    throw badParameter("dropPingresp", "must be true or false");
  const on = given.withholdPubacksOn;
  if (on !== undefined && (typeof on !== "string" || !isValidTopicFilter(on)))
    throw badParameter("withholdPubacksOn", "must be an MQTT topic filter");
  const switches: FaultSwitches = {};
  for (const name of [
    "refuseConnects",
    "withholdPubacks",
    "delayDeliveriesMs",
    "conflictShadowUpdates",
  ] as const) {
    const value = count(given, name);
    if (value !== undefined) switches[name] = value;
  }
  if (typeof on === "string") switches.withholdPubacksOn = on;
  if (given.dropPingresp === true) switches.dropPingresp = true;
  return switches;
}

/** An observation as JSON: its payload (if any) in base64. */
function observationJson(observation: Observation): Record<string, unknown> {
  return "payload" in observation
    ? { ...observation, payload: observation.payload.toString("base64") }
    : { ...observation };
}

/**
 * The embedded broker's fault switches on the API (docs/guide/conformance.md): per client id,
 * `PUT /api/broker/faults/{clientId}` sets them, `DELETE` clears them,
 * `POST /api/broker/connections/{clientId}/drop` drops its connection as a network would, and
 * `GET /api/broker/observations/{clientId}` streams what the broker sees the client do
 * (server-sent events) — what `fleetline conformance --url` judges a device by. Returns how to end
 * the open streams.
 */
export function faultRoutes(app: ApiApp, broker: LocalBroker | undefined): () => Promise<void> {
  const streams = new EventStreams();
  const embedded = (): LocalBroker => {
    if (!broker)
      throw new HttpError(
        409,
        "NO_EMBEDDED_BROKER",
        "fault switches are the embedded broker's (not under --mqtt5 or --broker)",
      );
    return broker;
  };
  app.add("PUT", "/api/broker/faults/:clientId", (request) => {
    const switches = switchesOf(request.body);
    embedded().faults.set(request.params.clientId as string, switches);
    return { status: 200, body: switches };
  });
  app.add("DELETE", "/api/broker/faults/:clientId", (request) => {
    embedded().faults.clear(request.params.clientId as string);
    return { status: 204 };
  });
  app.add("POST", "/api/broker/connections/:clientId/drop", (request) => {
    const clientId = request.params.clientId as string;
    if (!embedded().dropConnection(clientId))
      throw new HttpError(404, "NOT_CONNECTED", `no client ${clientId} is connected`);
    return { status: 204 };
  });
  app.add("GET", "/api/broker/observations/:clientId", (request) => {
    const watched = embedded();
    const clientId = request.params.clientId as string;
    return streams.response((send) => {
      const onObserved = (observation: Observation) => {
        if (observation.clientId === clientId) send("observed", observationJson(observation));
      };
      const onRefused = (event: { refusal: string; clientId: string; detail: string }) => {
        if (event.clientId === clientId || event.clientId === "")
          send("refused", { refusal: event.refusal, detail: event.detail });
      };
      watched.on("observed", onObserved);
      watched.on("refused", onRefused);
      send("watching", { clientId, connected: watched.isConnected(clientId) });
      return async () => {
        watched.off("observed", onObserved);
        watched.off("refused", onRefused);
      };
    });
  });
  return () => streams.close();
}
