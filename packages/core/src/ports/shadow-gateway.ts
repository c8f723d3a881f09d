/** A shadow document as the AWS IoT Data Plane returns it. */
export interface ShadowDocument {
  state: {
    desired?: Record<string, unknown>;
    reported?: Record<string, unknown>;
    delta?: Record<string, unknown>;
  };
  metadata?: Record<string, unknown>;
  version: number;
  timestamp: number;
  clientToken?: string;
}

export interface ShadowUpdate {
  state: { desired?: Record<string, unknown> | null; reported?: Record<string, unknown> | null };
  clientToken?: string;
  version?: number;
}

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
