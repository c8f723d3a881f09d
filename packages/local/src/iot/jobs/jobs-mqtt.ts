import type { InboundMessage, MessageSource } from "../bus/message-source.js";
import { handleJobsRequest } from "./jobs-device-api.js";
import type { JobsService } from "./jobs-service.js";

/**
 * Serves the Jobs device API over MQTT: a request on `$aws/things/{thing}/jobs/…` is answered to
 * the client that sent it, before the broker acknowledges the request — so a PUBACK means its
 * change is saved.
 */
export async function attachJobsMqtt(source: MessageSource, service: JobsService): Promise<void> {
  await source.subscribe("$aws/things/+/jobs/#", async ({ topic, payload, clientId }: InboundMessage) => {
    const reply = await handleJobsRequest(service, topic, payload);
    if (!reply) return;
    await source.reply(clientId, reply.topic, new TextEncoder().encode(JSON.stringify(reply.document)));
  });
}
