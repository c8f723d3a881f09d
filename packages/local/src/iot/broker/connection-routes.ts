import type { ApiApp, Response } from "@fleetline/api";
import { publishTopicProblem } from "@fleetline/core/aws";
import { MAX_PAYLOAD_BYTES } from "@fleetline/core/telemetry";
import type { LocalBroker } from "./broker.js";

function awsError(status: number, type: string, message: string): Response {
  return { status, headers: { "x-amzn-errortype": type }, body: { message } };
}

const flag = (value: string | null) => value === "true";

/**
 * The IoT Data Plane's connection operations — GetConnection, ListSubscriptions, DeleteConnection,
 * SendDirectMessage — path for path, so `@aws-sdk/client-iot-data-plane` works unchanged. They
 * need the embedded broker: under `--mqtt5` or `--broker` they answer MethodNotAllowedException.
 */
export function connectionRoutes(app: ApiApp, broker: LocalBroker | undefined): void {
  const unserved = () =>
    awsError(
      405,
      "MethodNotAllowedException",
      "the connection operations need the embedded broker; this runtime runs another (--mqtt5 or --broker)",
    );
  const notFound = (clientId: string) =>
    awsError(404, "ResourceNotFoundException", `No connection found for client ID ${clientId}`);

  app.add("GET", "/retainedMessage", (request) => {
    const retained = broker?.retained;
    if (!retained) return unserved();
    const size = Math.min(Math.max(Number(request.query.get("maxResults") ?? 200) || 200, 1), 200);
    const start = Number(request.query.get("nextToken") ?? 0) || 0;
    const all = retained.all();
    return {
      status: 200,
      body: {
        retainedTopics: all.slice(start, start + size).map((m) => ({
          topic: m.topic,
          payloadSize: m.payload.length,
          qos: m.qos,
          lastModifiedTime: m.lastModifiedTime,
        })),
        ...(start + size < all.length ? { nextToken: String(start + size) } : {}),
      },
    };
  });

  app.add("GET", "/retainedMessage/:topic", (request) => {
    const retained = broker?.retained;
    if (!retained) return unserved();
    const topic = request.params.topic as string;
    const message = retained.get(topic);
    if (!message) return awsError(404, "ResourceNotFoundException", `No retained message on ${topic}`);
    return {
      status: 200,
      body: {
        topic,
        payload: message.payload.toString("base64"),
        qos: message.qos,
        lastModifiedTime: message.lastModifiedTime,
      },
    };
  });

  app.add("GET", "/connections/:clientId", (request) => {
    if (!broker) return unserved();
    const clientId = request.params.clientId as string;
    const info = broker.connectionsByClient.info(clientId);
    if (!info) return notFound(clientId);
    const socket = flag(request.query.get("includeSocketInformation"));
    return {
      status: 200,
      body: {
        clientId,
        connected: info.connected,
        ...(info.thingName ? { thingName: info.thingName } : {}),
        cleanSession: info.cleanSession,
        ...(socket
          ? {
              sourceIp: info.sourceIp,
              sourcePort: info.sourcePort,
              targetIp: info.targetIp,
              targetPort: info.targetPort,
            }
          : {}),
        keepAliveDuration: info.keepAliveDuration,
        connectedSince: info.connectedSince,
        ...(info.disconnectedSince === undefined ? {} : { disconnectedSince: info.disconnectedSince }),
        ...(info.disconnectReason ? { disconnectReason: info.disconnectReason } : {}),
      },
    };
  });

  app.add("GET", "/connections/:clientId/subscriptions", (request) => {
    if (!broker) return unserved();
    const clientId = request.params.clientId as string;
    const subscriptions = broker.dataPlane.subscriptionsOf(clientId);
    if (!subscriptions) return notFound(clientId);
    const size = Math.min(Math.max(Number(request.query.get("maxResults") ?? 100) || 100, 1), 100);
    const start = Number(request.query.get("nextToken") ?? 0) || 0;
    const page = subscriptions.slice(start, start + size);
    return {
      status: 200,
      body: {
        subscriptions: page,
        ...(start + size < subscriptions.length ? { nextToken: String(start + size) } : {}),
      },
    };
  });

  app.add("DELETE", "/connections/:clientId", async (request) => {
    if (!broker) return unserved();
    const clientId = request.params.clientId as string;
    const deleted = await broker.dataPlane.deleteConnection(clientId, {
      cleanSession: flag(request.query.get("cleanSession")),
      preventWillMessage: flag(request.query.get("preventWillMessage")),
    });
    return deleted ? { status: 200, body: {} } : notFound(clientId);
  });

  app.add("POST", "/connections/:clientId/messages", async (request) => {
    if (!broker) return unserved();
    const clientId = request.params.clientId as string;
    const topic = request.query.get("topic") ?? "";
    const problem = publishTopicProblem(topic);
    if (problem) return awsError(400, "InvalidRequestException", problem.message);
    if (request.rawBody.length > MAX_PAYLOAD_BYTES)
      return awsError(
        413,
        "RequestEntityTooLargeException",
        `the payload is ${request.rawBody.length} bytes; AWS IoT allows ${MAX_PAYLOAD_BYTES}`,
      );
    const timeoutS = Number(request.query.get("timeout") ?? 5);
    if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 60)
      return awsError(400, "InvalidRequestException", "timeout must be 1 to 60 seconds");
    const confirmation = flag(request.query.get("confirmation"));
    const outcome = await broker.dataPlane.sendDirect(clientId, topic, request.rawBody, {
      confirmation,
      timeoutMs: timeoutS * 1000,
    });
    if (outcome === "not-connected") return notFound(clientId);
    if (outcome === "not-allowed")
      return awsError(403, "ForbiddenException", `client ${clientId} may not receive messages on ${topic}`);
    if (outcome === "timed-out")
      return awsError(
        504,
        "GatewayTimeoutException",
        `client ${clientId} did not acknowledge within ${timeoutS} s`,
      );
    return {
      status: 200,
      body: {
        message: outcome === "acknowledged" ? "delivered and acknowledged" : "delivered",
        traceId: crypto.randomUUID(),
      },
    };
  });
}
