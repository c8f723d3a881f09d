import fc from "fast-check";
import {
  FREESTYLE_FAULT_CODES,
  FREESTYLE_STATES,
  ROBOT_FAULT_CODES,
  ROBOT_STATES,
  SEVERITIES,
} from "../src/telemetry/index.js";
import { DAY, MINUTE, RECEIVED_AT } from "./factories.js";

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const flavor = fc
  .stringMatching(/^[A-Za-z0-9_-]{1,32}$/)
  .filter((name) => !["__proto__", "constructor", "prototype"].includes(name));

function fault(codes: readonly string[]) {
  return fc.record(
    {
      code: fc.constantFrom(...codes),
      severity: fc.constantFrom(...SEVERITIES),
      detail: fc.string({ maxLength: 256 }),
    },
    { requiredKeys: ["code", "severity"] },
  );
}

const envelopeFields = {
  v: fc.constant(1),
  seq: fc.nat(),
  ts: fc.integer({ min: RECEIVED_AT - 7 * DAY, max: RECEIVED_AT + 15 * MINUTE }),
};

/** Any payload the v1 contract allows for a dispenser. */
export const validFreestyle = fc.record(
  {
    ...envelopeFields,
    metrics: fc.record({
      cabinetTempC: finite(-10, 40),
      co2Kpa: finite(0, 1000),
      waterKpa: finite(0, 1000),
      pours: fc.nat(),
      cartridges: fc.dictionary(flavor, finite(0, 100), { maxKeys: 48 }),
      state: fc.constantFrom(...FREESTYLE_STATES),
    }),
    faults: fc.array(fault(FREESTYLE_FAULT_CODES), { maxLength: 32 }),
  },
  { requiredKeys: ["v", "seq", "ts", "metrics"] },
);

/** Any payload the v1 contract allows for a robot. */
export const validRobot = fc.record(
  {
    ...envelopeFields,
    metrics: fc.record({
      batteryPct: finite(0, 100),
      state: fc.constantFrom(...ROBOT_STATES),
      binFull: fc.boolean(),
      x: finite(-1e6, 1e6),
      y: finite(-1e6, 1e6),
      areaM2: finite(0, 1e6),
      rssiDbm: finite(-120, 0),
    }),
    faults: fc.array(fault(ROBOT_FAULT_CODES), { maxLength: 32 }),
  },
  { requiredKeys: ["v", "seq", "ts", "metrics"] },
);
