import type { Logger } from "@aws-lambda-powertools/logger";
import type { PreProvisioningHookEvent, PreProvisioningHookResponse } from "@fleetline/core/aws";
import { whyRefuseProvisioning } from "@fleetline/core/devices";

/**
 * The `provisioningHook` Lambda: the fleet template's pre-provisioning hook, which AWS IoT (and
 * fleetline dev) invokes before registering a device from a claim (docs/guide/provisioning.md). It
 * allows a thing of this stage of a known type and refuses anything else, with the reason logged.
 */
export function createProvisioningHookHandler(ports: { thingPrefix: string }, logger: Logger) {
  return async (event: PreProvisioningHookEvent): Promise<PreProvisioningHookResponse> => {
    const parameters =
      typeof event?.parameters === "object" && event.parameters !== null ? event.parameters : {};
    const why = whyRefuseProvisioning(parameters, ports.thingPrefix);
    if (why) {
      logger.warn("provisioning refused", {
        reason: why,
        clientId: event?.clientId,
        certificateId: event?.certificateId,
      });
      return { allowProvisioning: false };
    }
    return { allowProvisioning: true };
  };
}
