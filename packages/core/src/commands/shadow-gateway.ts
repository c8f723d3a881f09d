import type { ShadowDocument, ShadowUpdate } from "../aws/shadow/shadow-types.js";

/**
 * Reads and writes device shadows through the IoT Data Plane API (the same client code against
 * AWS and the local shadow service). Rejections surface as FleetlineError with the AWS meaning:
 * REQUEST_INVALID (400), NOT_FOUND (404), CONFLICT (409), PAYLOAD_TOO_LARGE (413), THROTTLED (429).
 */
export interface ShadowGateway {
  get(thing: string, shadowName?: string): Promise<ShadowDocument | undefined>;
  /** Applies an update; bytes are sent as they are, for the service to judge (REQUEST_INVALID if it refuses). */
  update(thing: string, update: ShadowUpdate | Uint8Array, shadowName?: string): Promise<ShadowDocument>;
}
