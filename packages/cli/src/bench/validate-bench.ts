import { encodeBase64 } from "@fleetline/core/common";
import { validate } from "@fleetline/core/telemetry";
import { type BenchFigure, round } from "./query-bench.js";

/** The envelopes the telemetry rule puts on the raw stream, as JSON text: half dispensers, half robots. */
function envelopes(count: number, now: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const robot = i % 2 === 1;
    const thing = robot ? `rb-${i % 500}` : `fs-${i % 500}`;
    const payload = robot
      ? {
          v: 1,
          seq: i,
          ts: now - 100,
          metrics: {
            batteryPct: 50,
            state: "cleaning",
            binFull: false,
            x: 1.5,
            y: 2.5,
            areaM2: 12,
            rssiDbm: -60,
          },
        }
      : {
          v: 1,
          seq: i,
          ts: now - 100,
          metrics: {
            cabinetTempC: 4.2,
            co2Kpa: 410,
            waterKpa: 280,
            pours: 3,
            cartridges: { cola: 70, lemon: 40 },
            state: "idle",
          },
          faults: [{ code: "CARTRIDGE_LOW", severity: "minor" }],
        };
    return JSON.stringify({
      payload: encodeBase64(new TextEncoder().encode(JSON.stringify(payload))),
      topic: `dt/fleetline/${robot ? "robot" : "freestyle"}/${thing}/telemetry`,
      type: robot ? "robot" : "freestyle",
      thing,
      clientId: thing,
      receivedAt: now,
      messageId: `m-${i}`,
    });
  });
}

/** Records per second of `work` over `inputs`: the best of five passes (the machine is shared). */
function rate(inputs: readonly string[], work: (input: string) => unknown): number {
  let best = 0;
  for (let pass = 0; pass < 5; pass++) {
    const started = performance.now();
    for (const input of inputs) work(input);
    best = Math.max(best, inputs.length / ((performance.now() - started) / 1000));
  }
  return best;
}

/**
 * validate against the least any consumer of the raw stream must do: parse the envelope and the
 * payload it carries. Both over the same 20,000 envelopes, on one core.
 */
export function validateBench(): BenchFigure {
  const inputs = envelopes(20_000, Date.now());
  const decoder = new TextDecoder();
  const parseOnly = rate(inputs, (text) => {
    const envelope = JSON.parse(text) as { payload: string };
    return JSON.parse(decoder.decode(Buffer.from(envelope.payload, "base64")));
  });
  let valid = 0;
  const validated = rate(inputs, (text) => {
    if (validate(JSON.parse(text)).ok) valid += 1;
  });
  if (valid !== inputs.length * 5)
    throw new Error(`validate rejected ${inputs.length * 5 - valid} good envelopes`);
  return {
    name: "validate: records per second, one core",
    value: round(validated),
    unit: "records/s",
    baseline: round(parseOnly),
    ratio: round(validated / parseOnly),
    detail:
      "20,000 rule envelopes (dispensers and robots); baseline: JSON.parse of the envelope and its payload only",
    targets: [{ target: "≥ ×0.25 of parsing alone", met: validated / parseOnly >= 0.25 }],
  };
}
