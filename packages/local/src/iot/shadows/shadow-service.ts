import {
  deleteShadow,
  getShadow,
  type JsonObject,
  SHADOW_NAME_PATTERN,
  type ShadowResult,
  updateShadow,
} from "@fleetline/core/aws";
import type { Clock } from "@fleetline/core/common";
import { type ShadowOperation, shadowTopic } from "@fleetline/core/devices";
import type { ShadowStore } from "./shadow-store.js";

/** Publishes a JSON document on a topic (the broker, in-process or external). */
export type Publish = (topic: string, document: JsonObject) => Promise<void>;

/**
 * The local AWS IoT Device Shadow service. Requests from MQTT and REST go through the same
 * operations; an accepted update is announced on `/update/accepted`, `/update/delta` (when desired
 * differs from reported) and `/update/documents`, whichever way it came in.
 */
export class ShadowService {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ShadowStore,
    private readonly publish: Publish,
    private readonly clock: Clock,
  ) {}

  /** One request at a time per shadow, so versions never race. */
  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /**
   * Serves one request. A storage failure is AWS's answer to its own faults, 500 "Internal service
   * failure", on `/rejected` or as the HTTP status: the device or the caller tries again.
   */
  handle(
    thing: string,
    name: string | undefined,
    operation: ShadowOperation,
    body: Uint8Array | string,
  ): Promise<ShadowResult<JsonObject>> {
    if (name !== undefined && !SHADOW_NAME_PATTERN.test(name)) {
      // As on the REST path: nothing is stored under a name AWS would not accept.
      const timestamp = Math.floor(this.clock.now() / 1000);
      return Promise.resolve({ ok: false, error: { code: 400, message: "Invalid shadow name", timestamp } });
    }
    return this.serial(`${thing}\u0000${name ?? ""}`, async () => {
      try {
        return await this.run(thing, name, operation, body);
      } catch {
        const timestamp = Math.floor(this.clock.now() / 1000);
        return { ok: false, error: { code: 500, message: "Internal service failure", timestamp } };
      }
    });
  }

  private async run(
    thing: string,
    name: string | undefined,
    operation: ShadowOperation,
    body: Uint8Array | string,
  ): Promise<ShadowResult<JsonObject>> {
    const now = this.clock.now();
    const { shadow, versionFloor } = await this.store.load(thing, name ?? "", now);
    const label = name ?? thing;
    if (operation === "get") return getShadow(shadow, body, now, label);
    if (operation === "delete") {
      const result = deleteShadow(shadow, body, now, label);
      if (result.ok && shadow) await this.store.remove(thing, name ?? "", shadow.version, now);
      return result;
    }
    const result = updateShadow(shadow, body, now, versionFloor);
    if (!result.ok) return result;
    const { shadow: next, accepted, delta, documents } = result.value;
    await this.store.save(thing, name ?? "", next);
    await this.publish(shadowTopic(thing, "update", "accepted", name), accepted);
    if (delta) await this.publish(shadowTopic(thing, "update", "delta", name), delta);
    await this.publish(shadowTopic(thing, "update", "documents", name), documents);
    return { ok: true, value: accepted };
  }

  namedShadows(thing: string): Promise<string[]> {
    return this.store.namedShadows(thing);
  }
}
