import type { AlarmPorts } from "@fleetline/core/alarms";
import { manualClock } from "@fleetline/core/common";
import { MemoryAlertPublisher } from "./memory-alert-publisher.js";
import { MemoryAlertStore } from "./memory-alert-store.js";
import { MemoryCommandLedger } from "./memory-command-ledger.js";
import { MemoryCounters } from "./memory-counters.js";
import { MemoryShadowGateway } from "./memory-shadow-gateway.js";

/** Fleetline's clock in tests: a fixed day, moved by hand. */
export const TEST_EPOCH = 1_764_300_000_000;

/**
 * Every port the alarm use cases need, in memory, each with its failure switches: the two alert
 * channels of AWS (`mqtt`, `sns`) unless told otherwise, ids `id-1`, `id-2`, … in order.
 */
export function memoryAlarmPorts(options: { channels?: string[]; start?: number } = {}) {
  const clock = manualClock(options.start ?? TEST_EPOCH);
  let ids = 0;
  const channels = Object.fromEntries(
    (options.channels ?? ["mqtt", "sns"]).map((channel) => [channel, MemoryAlertPublisher.create()]),
  );
  const ports = {
    alerts: MemoryAlertStore.create(),
    ledger: MemoryCommandLedger.create(),
    shadows: MemoryShadowGateway.create(clock),
    publishers: channels,
    counters: MemoryCounters.create(),
    clock,
    newId: () => `id-${++ids}`,
  } satisfies AlarmPorts;
  return { ports, clock, channels };
}
