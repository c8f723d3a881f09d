/** A JSON object, as shadow state sections are. */
export type JsonObject = Record<string, unknown>;

/** A shadow as the service stores it (timestamps in epoch seconds, as AWS IoT reports them). */
export interface StoredShadow {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
  timestamp: number;
}

/** The AWS error document, published on `/rejected` or returned with the HTTP status. */
export interface ShadowErrorDocument {
  code: 400 | 404 | 409 | 413 | 429 | 500;
  message: string;
  timestamp: number;
  clientToken?: string;
}

export type ShadowResult<T> = { ok: true; value: T } | { ok: false; error: ShadowErrorDocument };

/** AWS IoT Device Shadow limits. */
export const SHADOW_LIMITS = {
  /** desired + reported, in bytes of JSON. */
  maxStateBytes: 8 * 1024,
  maxDepth: 6,
  maxClientTokenBytes: 64,
} as const;

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
