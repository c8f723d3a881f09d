import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { AlertPublisher } from "@fleetline/core/alarms";
import type { ShadowGateway } from "@fleetline/core/commands";
import { fleetlineError } from "@fleetline/core/common";
import type { TelemetryRecord, TelemetryStore, WriteResult } from "@fleetline/core/telemetry";
import type { DiskFailures } from "../lib/disk-failures.js";
import type { KinesisHandler } from "../streams/event-sources/invoker.js";

/**
 * Failures the fault-injection suite switches on in a running pipeline. Rates are shares of calls,
 * spread evenly (a rate of 0.05 fails the 20th, 40th, … call), so a run is repeatable and a short
 * one still sees its failures; they are read at each call and can change while the pipeline runs.
 * What was injected is counted in `injected`, so a report can set it beside what the pipeline saw.
 */
export interface InjectedFailures {
  /** The data dir's disk: a full disk while `disk.full` is on. */
  disk?: DiskFailures;
  /**
   * Runs before each call the runtime's own clients make to the Kinesis stand-in (the rule's
   * Kinesis action, the validate function's producer, the event sources' readers); what it throws
   * is that call's answer.
   */
  kinesis?: (command: { constructor: { name: string }; input: unknown }) => Promise<void>;
  /** Share of telemetry-store writes refused, as a throttled store refuses them, before writing. */
  storeThrottleRate?: number;
  /** While set, telemetry-store writes wait for it before writing: a store that hangs (overload). */
  storeStalled?: Promise<void>;
  /** Share of `store` invocations that crash after their write, before returning. */
  storeCrashAfterWriteRate?: number;
  /** Share of alert publications that fail, before publishing (the alarms' outbox retries them). */
  alertPublishFailRate?: number;
  /** Share of shadow updates that take effect and then fail anyway, as a call timing out would. */
  shadowUpdateTimeoutRate?: number;
  injected?: { throttled: number; crashedAfterWrite: number; publishFailed: number; shadowTimedOut: number };
}

function counts(failures: InjectedFailures) {
  failures.injected ??= { throttled: 0, crashedAfterWrite: 0, publishFailed: 0, shadowTimedOut: 0 };
  return failures.injected;
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

/**
 * The telemetry store, refusing a share of writes with a throttling error, or holding them while
 * stalled (both read at each write).
 */
export function throttlingStore(store: TelemetryStore, failures: InjectedFailures): TelemetryStore {
  const fails = spread();
  return {
    write: async (records: readonly TelemetryRecord[]): Promise<WriteResult> => {
      if (failures.storeStalled) await failures.storeStalled;
      if (fails(failures.storeThrottleRate ?? 0)) {
        counts(failures).throttled += 1;
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
export function crashingAfterWork(handler: KinesisHandler, failures: InjectedFailures): KinesisHandler {
  const fails = spread();
  return async (event, context) => {
    const result = await handler(event, context);
    if (fails(failures.storeCrashAfterWriteRate ?? 0)) {
      counts(failures).crashedAfterWrite += 1;
      throw new Error("Runtime exited (injected): the function crashed after its write, before returning");
    }
    return result ?? undefined;
  };
}

/** An alert channel that fails a share of publications before publishing. */
export function failingPublisher(publisher: AlertPublisher, failures: InjectedFailures): AlertPublisher {
  const fails = spread();
  return {
    publish: async (alert) => {
      if (fails(failures.alertPublishFailRate ?? 0)) {
        counts(failures).publishFailed += 1;
        throw fleetlineError("PUBLISH_FAILED", "connection reset (injected): the alert was not published");
      }
      await publisher.publish(alert);
    },
  };
}

/** Shadows whose updates, a share of the time, take effect and then fail, as a timed-out call does. */
export function timingOutShadows(shadows: ShadowGateway, failures: InjectedFailures): ShadowGateway {
  const fails = spread();
  return {
    get: (thing, shadowName) => shadows.get(thing, shadowName),
    update: async (thing, update, shadowName) => {
      const accepted = await shadows.update(thing, update, shadowName);
      if (fails(failures.shadowUpdateTimeoutRate ?? 0)) {
        counts(failures).shadowTimedOut += 1;
        throw fleetlineError("PUBLISH_FAILED", "timed out (injected) after the shadow took the update");
      }
      return accepted;
    },
  };
}

/** The runtime's own Kinesis client, each call first through `failures.kinesis` when it is set. */
export function interceptedKinesis(client: KinesisClient, failures: InjectedFailures): KinesisClient {
  const send = client.send.bind(client);
  return Object.assign(Object.create(client) as KinesisClient, {
    send: (async (command: Parameters<typeof send>[0]) => {
      await failures.kinesis?.(command as never);
      return send(command);
    }) as KinesisClient["send"],
  });
}
