import { parseProvisioningTopic } from "@fleetline/core/aws";
import type { InboundMessage, MessageSource } from "../bus/message-source.js";
import type { ClaimPrincipal, ProvisioningService } from "./provisioning-service.js";

/**
 * Serves the device provisioning MQTT API: a request from a connection holding a claim is answered
 * on `<topic>/accepted` or `<topic>/rejected`, to that connection alone (AWS IoT answers "through
 * the same MQTT connection"), before the request is acknowledged.
 */
export async function attachProvisioningMqtt(
  source: MessageSource,
  service: ProvisioningService,
  /** The claim behind a connected client id (the broker knows each connection's certificate). */
  claimOf: (clientId: string) => ClaimPrincipal | undefined,
): Promise<void> {
  const handle = async ({ topic, payload, clientId }: InboundMessage) => {
    const request = parseProvisioningTopic(topic);
    const principal = claimOf(clientId);
    // The claim policy lets only claims publish here; anything else is not a provisioning request.
    if (!request || !principal) return;
    const answer = await service.handle(principal, clientId, request, payload);
    const reply = `${topic}/${answer.accepted ? "accepted" : "rejected"}`;
    await source.reply(clientId, reply, new TextEncoder().encode(JSON.stringify(answer.document)));
  };
  await source.subscribe("$aws/certificates/+/json", handle);
  await source.subscribe("$aws/provisioning-templates/+/provision/json", handle);
}
