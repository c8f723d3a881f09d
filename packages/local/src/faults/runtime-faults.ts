import {
  type AlertPublisher,
  fleetlineError,
  type ShadowGateway,
  type TelemetryRecord,
  type TelemetryStore,
  type WriteResult,
} from "@fleetline/core";
import type { KinesisHandler } from "../event-source/invoker.js";
import type { StorageFaults } from "./storage-faults.js";

/**
 * Faults the fault-injection suite switches on in a running pipeline. Rates are shares of calls,
 * spread evenly (a rate of 0.05 fails the 20th, 40th, … call), so a run is repeatable and a short
 * one still sees its faults; they are read at each call and can change while the pipeline runs.
 * What was injected is counted in `injected`, so a report can set it beside what the pipeline saw.
 */
export interface RuntimeFaults {
  /** The data dir's disk: a full disk while `storage.diskFull` is on. */
  storage?: StorageFaults;
  /** Share of telemetry-store writes refused, as a throttled store refuses them, before writing. */
  storeThrottleRate?: number;
  /** Share of `store` invocations that crash after their write, before returning. */
  storeCrashAfterWriteRate?: number;
  /** Share of alert publications that fail, before publishing (the alarms' outbox retries them). */
  alertPublishFailRate?: number;
  /** Share of shadow updates that take effect and then fail anyway, as a call timing out would. */
  shadowUpdateTimeoutRate?: number;
  injected?: { throttled: number; crashedAfterWrite: number; publishFailed: number; shadowTimedOut: number };
}

function counts(faults: RuntimeFaults) {
  faults.injected ??= { throttled: 0, crashedAfterWrite: 0, publishFailed: 0, shadowTimedOut: 0 };
  return faults.injected;
}

/**
 * Whether the n-th call of a series fails at `rate`: evenly spread, `rate` of the calls, the first
 * halfway through the first 1/rate calls (at 1 %, the 50th, 150th, …).
 */
function spread(): (rate: number) => boolean {
  let calls = 0;
  return (rate) => {
    calls += 1;
    return rate > 0 && Math.floor(calls * rate + 0.5) > Math.floor((calls - 1) * rate + 0.5);
  };
}

/** The telemetry store, refusing a share of writes with a throttling error (read at each write). */
export function throttlingStore(store: TelemetryStore, faults: RuntimeFaults): TelemetryStore {
  const fails = spread();
  return {
    write: async (records: readonly TelemetryRecord[]): Promise<WriteResult> => {
      if (fails(faults.storeThrottleRate ?? 0)) {
        counts(faults).throttled += 1;
        throw fleetlineError(
          "THROTTLED",
          "Rate exceeded (injected): the telemetry store throttled this write",
        );
      }
      return store.write(records);
    },
  };
}

/** A handler that, on a share of invocations, crashes after its work is done, before returning. */
export function crashingAfterWork(handler: KinesisHandler, faults: RuntimeFaults): KinesisHandler {
  const fails = spread();
  return async (event, context) => {
    const result = await handler(event, context);
    if (fails(faults.storeCrashAfterWriteRate ?? 0)) {
      counts(faults).crashedAfterWrite += 1;
      throw new Error("Runtime exited (injected): the function crashed after its write, before returning");
    }
    return result ?? undefined;
  };
}

/** An alert channel that fails a share of publications before publishing. */
export function failingPublisher(publisher: AlertPublisher, faults: RuntimeFaults): AlertPublisher {
  const fails = spread();
  return {
    publish: async (alert) => {
      if (fails(faults.alertPublishFailRate ?? 0)) {
        counts(faults).publishFailed += 1;
        throw fleetlineError("PUBLISH_FAILED", "connection reset (injected): the alert was not published");
      }
      await publisher.publish(alert);
    },
  };
}

/** Shadows whose updates, a share of the time, take effect and then fail, as a timed-out call does. */
export function timingOutShadows(shadows: ShadowGateway, faults: RuntimeFaults): ShadowGateway {
  const fails = spread();
  return {
    get: (thing, shadowName) => shadows.get(thing, shadowName),
    update: async (thing, update, shadowName) => {
      const accepted = await shadows.update(thing, update, shadowName);
      if (fails(faults.shadowUpdateTimeoutRate ?? 0)) {
        counts(faults).shadowTimedOut += 1;
        throw fleetlineError("PUBLISH_FAILED", "timed out (injected) after the shadow took the update");
      }
      return accepted;
    },
  };
}
