import type { DeviceType } from "./device-types.js";
/** A failed API call, with the server's message (`{ error: { code, message } }`) or the network's. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Where the API is: the page's own origin locally; on AWS, the API Gateway URL the build was given. */
const API_URL = (import.meta.env.VITE_API_URL ?? "").replace(/\/$/, "");

/** The API's base URL ("" for the page's own origin), for what `request` does not cover (a stream). */
export const apiUrl = API_URL;
const TOKEN_KEY = "fleetline.apiToken";

/** The API token this browser keeps (`fleetline dev --api-token`, or the stage's API_TOKEN secret on AWS). */
export const apiToken = {
  get: (): string => localStorage.getItem(TOKEN_KEY) ?? "",
  set: (token: string): void => localStorage.setItem(TOKEN_KEY, token.trim()),
};

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = apiToken.get();
  if (token) headers.set("authorization", `Bearer ${token}`);
  // Every write is JSON, with or without a body: the local server refuses the body types a
  // cross-site page could send.
  if (init.method === "POST" || init.body !== undefined) headers.set("content-type", "application/json");
  let response: Response;
  try {
    response = await fetch(`${API_URL}${path}`, { ...init, headers });
  } catch {
    const hint = API_URL ? `at ${API_URL}` : "— is `fleetline dev` running?";
    throw new ApiError(`The Fleetline API is unreachable ${hint}`, 0);
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = body as { error?: { message?: string }; message?: string } | undefined;
    throw new ApiError(
      error?.error?.message ?? error?.message ?? `${response.status} ${response.statusText}`,
      response.status,
    );
  }
  return body as T;
}

export const api = {
  get: <T>(path: string) => request<T>(path),
  post: <T>(path: string, body?: unknown) =>
    request<T>(path, {
      method: "POST",
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }),
};

export interface Device {
  thing: string;
  type: DeviceType;
  /** False for a device that reported and was removed since: it stays listed, marked. */
  registered: boolean;
  /** Whether it is connected now; null where the broker cannot tell (then: last seen). */
  connected: boolean | null;
  /** From its lifecycle events: since when it is connected, or not, and why its last connection ended. */
  connectedSince?: number;
  disconnectedSince?: number;
  disconnectReason?: string;
  lastSeen: number | null;
  state: string | null;
  openAlerts: number;
}

export interface Stats {
  received: number;
  valid: number;
  rejected: number;
  stored: number;
  duplicates: number;
  alertsRaised: number;
  shadowUpdates: number;
  deadLettered: number;
}

export interface ComponentHealth {
  name: string;
  status: "ok" | "degraded" | "down";
  detail: string;
  metrics: Record<string, unknown>;
}

/** `GET /api/health`: the pipeline's components and the worst of their statuses. */
export interface HealthReport {
  status: "ok" | "degraded" | "down";
  checkedAt: number;
  components: ComponentHealth[];
}

export interface Alert {
  id: string;
  thing: string;
  type: string;
  code: string;
  severity: string;
  status: "open" | "acked" | "cleared";
  openedAt: number;
  ackedAt?: number;
  clearedAt?: number;
  occurrences: number;
  lastSeenAt: number;
  detail?: string;
}

export interface Point {
  t: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}
