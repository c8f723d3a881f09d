import type { ApiApp, Request, Response } from "@fleetline/api";
import {
  type JsonObject,
  publishTopicProblem,
  SHADOW_NAME_PATTERN,
  type ShadowErrorDocument,
} from "@fleetline/core/aws";
import { MAX_PAYLOAD_BYTES } from "@fleetline/core/telemetry";
import type { MessageSource } from "../bus/message-source.js";
import type { ShadowService } from "./shadow-service.js";

/** The error types the AWS SDK maps to its named exceptions (restJson1 reads x-amzn-ErrorType). */
const ERROR_TYPES: Record<number, string> = {
  400: "InvalidRequestException",
  403: "ForbiddenException",
  404: "ResourceNotFoundException",
  409: "ConflictException",
  413: "RequestEntityTooLargeException",
  429: "ThrottlingException",
  500: "InternalFailureException",
};

function awsError(error: { code: ShadowErrorDocument["code"] | 403; message: string }): Response {
  return {
    status: error.code,
    headers: { "x-amzn-errortype": ERROR_TYPES[error.code] ?? "InternalFailureException" },
    body: { message: error.message, code: error.code },
  };
}

function document(value: JsonObject): Response {
  return { status: 200, body: value };
}

/**
 * The IoT Data Plane REST API on the local runtime, path for path, so that
 * `@aws-sdk/client-iot-data-plane` works with `endpoint: "http://127.0.0.1:<http-port>"`.
 */
export function dataPlaneRoutes(
  app: ApiApp,
  shadows: ShadowService,
  source: MessageSource,
  /** Where a retained publish is kept: the embedded broker's store (none under --mqtt5 or --broker). */
  retained?: { put(topic: string, payload: Uint8Array, qos: 0 | 1, now: number): Promise<void> },
): void {
  const shadowRoute = (operation: "get" | "update" | "delete") => async (request: Request) => {
    const name = request.query.get("name") ?? undefined;
    if (name !== undefined && !SHADOW_NAME_PATTERN.test(name))
      return awsError({ code: 400, message: "Invalid shadow name" });
    const result = await shadows.handle(
      request.params.thing as string,
      name,
      operation,
      operation === "update" ? request.rawBody : "",
    );
    return result.ok ? document(result.value) : awsError(result.error);
  };
  app.add("GET", "/things/:thing/shadow", shadowRoute("get"));
  app.add("POST", "/things/:thing/shadow", shadowRoute("update"));
  app.add("DELETE", "/things/:thing/shadow", shadowRoute("delete"));

  app.add("GET", "/api/things/shadow/ListNamedShadowsForThing/:thing", async (request) => {
    const names = await shadows.namedShadows(request.params.thing as string);
    const pageSize = Math.min(Number(request.query.get("pageSize") ?? 25) || 25, 100);
    const start = Number(request.query.get("nextToken") ?? 0) || 0;
    const page = names.slice(start, start + pageSize);
    const more = start + pageSize < names.length;
    return document({
      results: page,
      timestamp: Math.floor(Date.now() / 1000),
      ...(more ? { nextToken: String(start + pageSize) } : {}),
    });
  });

  app.add("POST", "/topics/:topic", async (request) => {
    const topic = request.params.topic as string;
    const qos = Number(request.query.get("qos") ?? 0);
    if (qos !== 0 && qos !== 1) return awsError({ code: 400, message: "qos must be 0 or 1" });
    const problem = publishTopicProblem(topic);
    if (problem) return awsError({ code: problem.kind === "reserved" ? 403 : 400, message: problem.message });
    if (request.rawBody.length > MAX_PAYLOAD_BYTES) {
      return awsError({
        code: 413,
        message: `the payload is ${request.rawBody.length} bytes; AWS IoT allows ${MAX_PAYLOAD_BYTES}`,
      });
    }
    if (request.query.get("retain") === "true") {
      if (!retained)
        return awsError({
          code: 400,
          message: "retained messages need the embedded broker (not --mqtt5 or --broker)",
        });
      await retained.put(topic, request.rawBody, qos, Date.now());
    }
    await source.publish(topic, request.rawBody, qos);
    return { status: 200, body: {} };
  });
}
