import type { Report } from "@fleetline/device-client";
import type { Random } from "../random.js";
import { clamp, type DeviceModel, type ModelOptions, round } from "./device-model.js";

const FLAVORS = ["cola", "diet_cola", "lemon_lime", "orange", "cherry", "vanilla", "root_beer", "grape"];
const HOUR = 3_600_000;

type Fault = NonNullable<Report["faults"]>[number];

/** Pours per hour by hour of day: quiet nights, a lunch peak and an evening peak. */
function demand(hour: number): number {
  const lunch = Math.exp(-((hour - 12.5) ** 2) / 3);
  const evening = Math.exp(-((hour - 18.5) ** 2) / 4);
  return 2 + 40 * lunch + 30 * evening;
}

/**
 * A Freestyle-style dispenser: pours follow a daily demand curve, cartridges deplete per flavor
 * and get refilled, the cabinet warms and cools with the compressor, CO₂ and water pressure
 * wander; cooling, pump, nozzle, leak and cartridge faults start and end over time.
 */
export class FreestyleModel implements DeviceModel {
  readonly type = "freestyle" as const;
  private last: number | undefined;
  private temp: number;
  private compressorOn = false;
  private co2: number;
  private water: number;
  private readonly cartridges: Record<string, number> = {};
  private mode: "normal" | "maintenance" = "normal";
  private locked = new Set<string>();
  private readonly active = new Map<string, { until: number; detail?: string }>();
  /** The flavor catalogue it serves; a catalogue job replaces it. */
  catalogue = "factory";

  constructor(
    private readonly random: Random,
    private readonly options: ModelOptions,
  ) {
    this.temp = random.between(3, 5);
    this.co2 = random.between(380, 440);
    this.water = random.between(260, 300);
    for (const flavor of FLAVORS.slice(0, random.int(4, FLAVORS.length)))
      this.cartridges[flavor] = random.int(30, 100);
  }

  step(now: number): Report {
    const dt = Math.min(this.last === undefined ? 0 : now - this.last, HOUR);
    this.last = now;
    const hours = dt / HOUR;
    this.updateFaults(now, dt);

    // The compressor holds the cabinet between 2.5 and 5 °C, unless cooling has failed.
    const coolingFailed = this.active.has("COOLING_FAILURE");
    if (this.temp > 5) this.compressorOn = !coolingFailed;
    if (this.temp < 2.5 || coolingFailed) this.compressorOn = false;
    this.temp += (this.compressorOn ? -4 : 1.5) * hours * 6 + this.random.normal(0, 0.05);
    this.temp = clamp(this.temp, -5, 35);

    const hour = new Date(now).getUTCHours() + new Date(now).getUTCMinutes() / 60;
    const serving =
      this.mode === "normal" && !this.active.has("PUMP_FAILURE") && !this.active.has("LEAK_DETECTED");
    const pours = serving ? this.poisson(demand(hour) * hours) : 0;
    for (let i = 0; i < pours; i++) {
      const available = Object.keys(this.cartridges).filter(
        (f) => !this.locked.has(f) && (this.cartridges[f] ?? 0) > 0,
      );
      if (available.length === 0) break;
      const flavor = this.random.pick(available);
      this.cartridges[flavor] = Math.max(0, (this.cartridges[flavor] ?? 0) - this.random.between(0.5, 2));
    }
    // A technician refills an empty cartridge now and then.
    for (const [flavor, level] of Object.entries(this.cartridges)) {
      if (level <= 5 && this.random.chance(hours * 0.5)) {
        this.cartridges[flavor] = 100;
        this.locked.delete(flavor);
      }
    }
    this.co2 = clamp(this.co2 + this.random.normal(0, 2) - pours * 0.3, 150, 600);
    if (this.co2 < 250 && this.random.chance(hours)) this.co2 = 440;
    this.water = clamp(this.water + this.random.normal(0, 3) + (280 - this.water) * 0.1, 100, 500);

    const faults: Fault[] = [...this.active].map(([code, { detail }]) => ({
      code: code as Fault["code"],
      severity:
        code === "COOLING_FAILURE" || code === "LEAK_DETECTED"
          ? "critical"
          : code === "NOZZLE_CLOG"
            ? "minor"
            : "major",
      ...(detail ? { detail } : {}),
    }));
    for (const [flavor, level] of Object.entries(this.cartridges)) {
      if (level === 0) faults.push({ code: "CARTRIDGE_EMPTY", severity: "major", detail: flavor });
      else if (level < 10)
        faults.push({ code: "CARTRIDGE_LOW", severity: "minor", detail: `${flavor} ${Math.round(level)}%` });
    }
    if (this.co2 < 300)
      faults.push({ code: "CO2_LOW", severity: "major", detail: `${Math.round(this.co2)} kPa` });
    const unique = new Map(faults.map((f) => [f.code, f]));

    const state =
      this.mode === "maintenance"
        ? "maintenance"
        : unique.size > 0 && !serving
          ? "fault"
          : pours > 0
            ? "dispensing"
            : "idle";
    return {
      metrics: {
        cabinetTempC: round(this.temp),
        co2Kpa: round(this.co2, 1),
        waterKpa: round(this.water, 1),
        pours,
        cartridges: Object.fromEntries(Object.entries(this.cartridges).map(([f, l]) => [f, round(l, 1)])),
        state,
      },
      faults: this.options.faults ? [...unique.values()] : [],
    };
  }

  private poisson(mean: number): number {
    let count = 0;
    let p = Math.exp(-mean);
    let cumulative = p;
    const u = this.random.next();
    while (u > cumulative && count < 500) {
      count += 1;
      p *= mean / count;
      cumulative += p;
    }
    return count;
  }

  private updateFaults(now: number, dt: number): void {
    for (const [code, fault] of this.active) if (fault.until <= now) this.active.delete(code);
    if (!this.options.faults) return;
    // Per machine-hour; a 20-machine demo fleet sees something go wrong every few minutes.
    const perHour = { COOLING_FAILURE: 0.1, PUMP_FAILURE: 0.1, NOZZLE_CLOG: 0.4, LEAK_DETECTED: 0.05 };
    for (const [code, rate] of Object.entries(perHour)) {
      if (!this.active.has(code) && this.random.chance((rate * dt) / HOUR)) {
        this.active.set(code, { until: now + this.random.between(0.2, 2) * HOUR });
      }
    }
  }

  /**
   * Serves `flavors` from now on: a new flavor gets a full cartridge, one no longer listed is
   * taken out (and unlocked).
   */
  applyCatalogue(version: string, flavors: readonly string[]): void {
    for (const flavor of Object.keys(this.cartridges))
      if (!flavors.includes(flavor)) {
        delete this.cartridges[flavor];
        this.locked.delete(flavor);
      }
    for (const flavor of flavors) this.cartridges[flavor] ??= 100;
    this.catalogue = version;
  }

  /** The flavors it serves now. */
  get flavors(): string[] {
    return Object.keys(this.cartridges);
  }

  applyDesired(desired: Record<string, unknown>): Record<string, unknown> {
    const reported: Record<string, unknown> = {};
    if (desired.mode === "maintenance" || desired.mode === "normal") {
      this.mode = desired.mode;
      // Maintenance fixes what a technician can fix on site.
      if (this.mode === "maintenance") {
        this.active.delete("COOLING_FAILURE");
        this.active.delete("LEAK_DETECTED");
      }
      reported.mode = this.mode;
    }
    if (Array.isArray(desired.lockedFlavors)) {
      this.locked = new Set(desired.lockedFlavors.filter((f): f is string => typeof f === "string"));
      reported.lockedFlavors = [...this.locked].sort();
    }
    return reported;
  }
}
