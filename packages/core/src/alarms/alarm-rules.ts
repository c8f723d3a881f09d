import type { DeviceType } from "../devices/device-types.js";
import type { Severity } from "../telemetry/schema/fault.js";

export interface AlarmRule {
  /** Consecutive reports with the condition before the alarm opens (STUCK: more than 2). */
  raiseAfter: number;
  /** Consecutive reports without it before the alarm clears: a flapping value does not re-raise. */
  clearAfter: number;
  /** Overrides the severity the device reported. */
  severity?: Severity;
}

const DEFAULT_RULE: AlarmRule = { raiseAfter: 1, clearAfter: 3 };

/** Alarm rules by code (docs/reference/contract.md §2); codes not listed use the default. */
export const ALARM_RULES: Record<string, Partial<AlarmRule>> = {
  // docs/reference/contract.md §2: a robot stuck for more than 2 reports is a major alarm.
  STUCK: { raiseAfter: 3, severity: "major" },
};

export function alarmRule(code: string): AlarmRule {
  return { ...DEFAULT_RULE, ...ALARM_RULES[code] };
}

/** The shadow `desired` update an alarm's opening sends to the device (docs/reference/contract.md §1). */
export const ALARM_ACTIONS: Record<DeviceType, Record<string, Record<string, unknown>>> = {
  freestyle: {
    COOLING_FAILURE: { mode: "maintenance" },
    LEAK_DETECTED: { mode: "maintenance" },
  },
  robot: {
    BATTERY_CRITICAL: { command: "dock" },
  },
};

/** Not an alarm: the state that owes the commands locking empty cartridges (`desired.lockedFlavors`). */
export const FLAVOR_LOCK = "flavor-lock";

/**
 * Not an alarm: the newest report (`lastTs`, `lastSeq`) the alarms evaluated for the thing, kept for
 * RETENTION.replayHorizonMs. A report not after it raises, clears and commands nothing.
 */
export const NEWEST_REPORT = "newest-report";

/**
 * How far in device time a thing's newest report moves before it is saved again, unless an alarm
 * changed with it (then it is saved at once): a report more than this older than the newest the
 * alarms evaluated acts on nothing, and a thing reporting every minute costs a write every five.
 */
export const NEWEST_REPORT_STEP_MS = 5 * 60_000;

/** How long a command may wait for the device to report it before it expires. */
export const COMMAND_TTL_MS = 10 * 60 * 1000;
