import type { TelemetryRecord, TelemetryStore, WriteResult } from "@fleetline/core/telemetry";
import type { OutcomeTracker } from "../lib/outcome-tracker.js";

/** The telemetry store, with every write's outcome counted for /api/health. */
export function trackedTelemetryStore(store: TelemetryStore, tracker: OutcomeTracker): TelemetryStore {
  return {
    write: (records: readonly TelemetryRecord[]): Promise<WriteResult> =>
      tracker.track(() => store.write(records)),
  };
}
