import type { ShadowDocument, ShadowUpdate } from "@fleetline/core/aws";
import { shadowFound, shadowRefusal } from "@fleetline/core/aws";
import type { ShadowGateway } from "@fleetline/core/commands";
import type { ShadowService } from "./shadow-service.js";

/**
 * The ShadowGateway port on the local shadow service, in-process: what the alerts and sweep
 * functions use locally where on AWS they call the IoT Data Plane (`IotDataShadowGateway`). Same
 * documents, same refusals; an accepted update is announced on MQTT like any other.
 */
export class LocalShadowGateway implements ShadowGateway {
  constructor(private readonly service: ShadowService) {}

  async get(thing: string, shadowName?: string): Promise<ShadowDocument | undefined> {
    return shadowFound(await this.service.handle(thing, shadowName, "get", ""));
  }

  async update(
    thing: string,
    update: ShadowUpdate | Uint8Array,
    shadowName?: string,
  ): Promise<ShadowDocument> {
    const body = update instanceof Uint8Array ? update : JSON.stringify(update);
    const result = await this.service.handle(thing, shadowName, "update", body);
    if (!result.ok) throw shadowRefusal(result.error);
    return result.value as unknown as ShadowDocument;
  }
}
