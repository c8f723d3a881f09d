import type { JsonObject } from "@fleetline/core/aws";
import { type ShadowOperation, shadowTopic } from "@fleetline/core/devices";
import type { MessageSource } from "../bus/message-source.js";
import type { ShadowService } from "./shadow-service.js";

const OPERATIONS = new Set(["get", "update", "delete"]);

/** `$aws/things/{thing}/shadow[/name/{name}]/{op}` → its parts; undefined for reply topics. */
export function parseShadowRequestTopic(
  topic: string,
): { thing: string; name?: string; operation: ShadowOperation } | undefined {
  const parts = topic.split("/");
  if (parts[0] !== "$aws" || parts[1] !== "things" || parts[3] !== "shadow") return undefined;
  const thing = parts[2] as string;
  if (parts.length === 5 && OPERATIONS.has(parts[4] as string))
    return { thing, operation: parts[4] as ShadowOperation };
  if (parts.length === 7 && parts[4] === "name" && OPERATIONS.has(parts[6] as string)) {
    return { thing, name: parts[5] as string, operation: parts[6] as ShadowOperation };
  }
  return undefined;
}

/** Serves the shadow MQTT protocol: requests on `…/get|update|delete`, replies on `…/accepted|rejected`. */
export async function attachShadowMqtt(source: MessageSource, service: ShadowService): Promise<void> {
  const handler = async ({ topic, payload }: { topic: string; payload: Uint8Array }) => {
    const request = parseShadowRequestTopic(topic);
    if (!request) return;
    const { thing, name, operation } = request;
    const result = await service.handle(thing, name, operation, payload);
    // An accepted update was already announced on /update/accepted by the service.
    if (result.ok && operation === "update") return;
    const reply = result.ok ? "accepted" : "rejected";
    const document: JsonObject = result.ok ? result.value : { ...result.error };
    await source.publish(
      shadowTopic(thing, operation, reply, name),
      new TextEncoder().encode(JSON.stringify(document)),
      1,
    );
  };
  await source.subscribe("$aws/things/+/shadow/+", handler);
  await source.subscribe("$aws/things/+/shadow/name/+/+", handler);
}
