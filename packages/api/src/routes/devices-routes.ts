import { alertPosition } from "@fleetline/core/alarms";
import type { Presence } from "@fleetline/core/aws";
import { allPages, byPosition, PAGE_LIMITS } from "@fleetline/core/common";
import type { DeviceType } from "@fleetline/core/devices";
import { isQueryableMetric } from "@fleetline/core/telemetry";
import type { ApiApp } from "../api-app.js";
import type { ApiContext } from "../api-context.js";
import { badParameter, HttpError } from "../http-error.js";
import { bucketParameter, instantParameter } from "../parameters.js";

const MAX_POINTS = 10_000;
const HOUR = 3_600_000;

/** A device is registered, or has sent telemetry (or both); its type comes from either. */
async function typeOf(api: ApiContext, thing: string): Promise<DeviceType> {
  const registered = await api.registry.get(thing);
  if (registered) return registered.type;
  const latest = await api.telemetry.latest(thing);
  if (latest) return latest.type;
  throw new HttpError(404, "NOT_FOUND", `no device named ${thing}`);
}

/**
 * Whether a device is connected — as the embedded broker sees it this instant where it can tell,
 * else as its lifecycle events last said — since when, and why its last connection ended.
 */
function presenceFields(api: ApiContext, thing: string, presence: Presence | undefined) {
  const connected = api.connected?.(thing) ?? presence?.connected ?? null;
  const sinceMatches = presence !== undefined && presence.connected === connected;
  return {
    connected,
    ...(sinceMatches ? { [connected ? "connectedSince" : "disconnectedSince"]: presence.since } : {}),
    ...(presence?.disconnectReason ? { disconnectReason: presence.disconnectReason } : {}),
  };
}

/** The fleet and per-device views (docs/reference/api.md), and desired state for a device's shadow. */
export function devicesRoutes(app: ApiApp, api: ApiContext): void {
  app.add("GET", "/api/devices", async () => {
    const summaries = new Map((await api.telemetry.summaries()).map((s) => [s.thing, s]));
    // The alarms not cleared, by their status index: a handful, however long the history.
    const openAlerts = new Map<string, number>();
    for (const status of ["open", "acked"] as const) {
      const active = await allPages((cursor) =>
        api.alarms.alerts.page({ status, limit: PAGE_LIMITS.max, ...(cursor ? { cursor } : {}) }),
      );
      for (const alert of active) openAlerts.set(alert.thing, (openAlerts.get(alert.thing) ?? 0) + 1);
    }
    const registered = new Map((await api.registry.list()).map((t) => [t.thing, t.type]));
    const presences = (await api.presence?.all()) ?? new Map<string, Presence>();
    const things = new Map(registered);
    for (const summary of summaries.values())
      if (!things.has(summary.thing)) things.set(summary.thing, summary.type);
    const devices = [...things.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([thing, type]) => {
        const summary = summaries.get(thing);
        return {
          thing,
          type,
          // A device that reported once and was removed since stays listed, marked so.
          registered: registered.has(thing),
          ...presenceFields(api, thing, presences.get(thing)),
          lastSeen: summary?.lastSeen ?? null,
          state: summary?.state ?? null,
          openAlerts: openAlerts.get(thing) ?? 0,
        };
      });
    return { status: 200, body: devices };
  });

  app.add("GET", "/api/devices/:thing", async (request) => {
    const thing = request.params.thing as string;
    // Each is a service call on AWS: made once, side by side.
    const [registered, latest] = await Promise.all([api.registry.get(thing), api.telemetry.latest(thing)]);
    const type = registered?.type ?? latest?.type;
    if (type === undefined) throw new HttpError(404, "NOT_FOUND", `no device named ${thing}`);
    return {
      status: 200,
      body: {
        thing,
        type,
        registered: registered !== undefined,
        ...presenceFields(api, thing, await api.presence?.get(thing)),
        lastSeen: latest?.receivedAt ?? null,
        seq: latest?.seq ?? null,
        ts: latest?.ts ?? null,
        metrics: latest?.metrics ?? null,
        faults: latest?.faults ?? [],
        shadow: (await api.shadows.get(thing)) ?? null,
        // The thing's alarm states hold its open and acked alarms: one keyed read.
        openAlerts: (await api.alarms.alerts.states(thing))
          .flatMap((state) => (state.alert ? [state.alert] : []))
          .sort(byPosition(alertPosition)),
      },
    };
  });

  // The dashboard's shadow editor: the document goes to the IoT Data Plane as it was typed.
  app.add("POST", "/api/devices/:thing/shadow", async (request) => {
    const thing = request.params.thing as string;
    await typeOf(api, thing);
    return { status: 200, body: await api.shadows.update(thing, new Uint8Array(request.rawBody)) };
  });

  app.add("GET", "/api/devices/:thing/telemetry", async (request) => {
    const thing = request.params.thing as string;
    const type = await typeOf(api, thing);
    const metric = request.query.get("metric");
    if (metric === null || metric === "")
      throw badParameter("metric", "is required, e.g. metric=cabinetTempC");
    if (!isQueryableMetric(metric, type))
      throw badParameter("metric", `"${metric}" is not a metric of ${type} devices`);
    const to = instantParameter(request.query, "to", api.clock.now());
    const from = instantParameter(request.query, "from", to - HOUR);
    if (from >= to) throw badParameter("from", "must be before to");
    const bucket = bucketParameter(request.query, to - from);
    if ((to - from) / bucket.ms > MAX_POINTS) {
      throw badParameter(
        "bucket",
        `${bucket.text} over this range gives more than ${MAX_POINTS} points; use a larger bucket`,
      );
    }
    const points = await api.telemetry.series({ thing, metric, from, to, bucketMs: bucket.ms });
    return { status: 200, body: { thing, metric, bucket: bucket.text, from, to, points } };
  });
}
