import { describe, expect, it } from "vitest";
import { DEVICE_TYPES } from "../src/devices/index.js";
import {
  LAKE_COLUMNS,
  LAKE_PARTITIONS,
  lakeDay,
  lakeMetricExpression,
  lakeRow,
  NUMERIC_METRICS,
  type TelemetryRecord,
} from "../src/telemetry/index.js";

const base = { seq: 7, ts: Date.UTC(2026, 10, 29, 23, 59, 59, 999), receivedAt: 1, messageId: "m" };
const records: Record<(typeof DEVICE_TYPES)[number], TelemetryRecord> = {
  freestyle: {
    ...base,
    thing: "fs-lake",
    type: "freestyle",
    metrics: {
      cabinetTempC: 4,
      co2Kpa: 400,
      waterKpa: 280,
      pours: 2,
      cartridges: { cola: 55 },
      state: "idle",
    },
    faults: [{ code: "CARTRIDGE_LOW", severity: "minor" }],
  },
  robot: {
    ...base,
    thing: "rb-lake",
    type: "robot",
    metrics: { batteryPct: 80, state: "cleaning", binFull: true, x: 1, y: 2, areaM2: 3, rssiDbm: -60 },
    faults: [],
  },
};

describe("the lake's table", () => {
  it("gives a record of every device type exactly the table's columns, with its partitions", () => {
    for (const type of DEVICE_TYPES) {
      const row = lakeRow(records[type]);
      expect(Object.keys(row).sort(), type).toEqual(
        [...LAKE_COLUMNS.map((c) => c.name), ...LAKE_PARTITIONS.map((p) => p.name)].sort(),
      );
      for (const metric of NUMERIC_METRICS[type]) expect(row[metric.toLowerCase()], metric).not.toBeNull();
    }
  });

  it("keeps the values a chart reads: booleans as 0/1, cartridge levels in a map, faults as structs", () => {
    expect(lakeRow(records.robot)).toMatchObject({
      binfull: 1,
      batterypct: 80,
      cabinettempc: null,
      type: "robot",
    });
    expect(lakeRow(records.freestyle)).toMatchObject({
      cartridges: { cola: 55 },
      faults: [{ code: "CARTRIDGE_LOW", severity: "minor", detail: null }],
      day: "2026-11-29",
    });
  });

  it("partitions by the UTC day of device time", () => {
    expect(lakeDay(Date.UTC(2026, 10, 29, 23, 59, 59, 999))).toBe("2026-11-29");
    expect(lakeDay(Date.UTC(2026, 10, 30))).toBe("2026-11-30");
  });

  it("reads a metric as a column, and a flavor from the cartridges map", () => {
    expect(lakeMetricExpression("cabinetTempC")).toBe('"cabinettempc"');
    expect(lakeMetricExpression("cartridges.cola")).toBe("element_at(cartridges, 'cola')");
  });
});
