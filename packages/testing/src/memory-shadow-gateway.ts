import type { ShadowDocument, ShadowUpdate } from "@fleetline/core/aws";
import { getShadow, type StoredShadow, shadowFound, shadowRefusal, updateShadow } from "@fleetline/core/aws";
import type { ShadowGateway } from "@fleetline/core/commands";
import { type Clock, systemClock } from "@fleetline/core/common";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/**
 * Device shadows in memory, with the shadow service's own rules (core's shadow operations): the
 * same documents, deltas, versions and refusals. Every accepted update's `update/documents` body
 * goes to `onDocuments`, as the service publishes it for the command-confirmation rule.
 */
export class MemoryShadowGateway implements ShadowGateway {
  private readonly shadows = new Map<string, StoredShadow>();
  onDocuments: ((thing: string, documents: Record<string, unknown>) => void) | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  static create(clock: Clock = systemClock): WithFailures<MemoryShadowGateway> {
    return withFailures(new MemoryShadowGateway(clock), new FailureSwitches("PUBLISH_FAILED"));
  }

  private key(thing: string, shadowName?: string) {
    return `${thing}\u0000${shadowName ?? ""}`;
  }

  async get(thing: string, shadowName?: string): Promise<ShadowDocument | undefined> {
    const result = getShadow(
      this.shadows.get(this.key(thing, shadowName)),
      "",
      this.clock.now(),
      shadowName ?? thing,
    );
    return shadowFound(result);
  }

  async update(
    thing: string,
    update: ShadowUpdate | Uint8Array,
    shadowName?: string,
  ): Promise<ShadowDocument> {
    const body = update instanceof Uint8Array ? update : JSON.stringify(update);
    const key = this.key(thing, shadowName);
    const result = updateShadow(this.shadows.get(key), body, this.clock.now());
    if (!result.ok) throw shadowRefusal(result.error);
    this.shadows.set(key, result.value.shadow);
    if (shadowName === undefined) this.onDocuments?.(thing, structuredClone(result.value.documents));
    return structuredClone(result.value.accepted) as unknown as ShadowDocument;
  }
}
