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
 * NOT_FOUND (404), CONFLICT (409), PAYLOAD_TOO_LARGE (413), THROTTLED (429).
 */
export interface ShadowGateway {
  get(thing: string, shadowName?: string): Promise<ShadowDocument | undefined>;
  update(thing: string, update: ShadowUpdate, shadowName?: string): Promise<ShadowDocument>;
}
