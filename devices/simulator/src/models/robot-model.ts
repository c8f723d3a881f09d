import type { Report } from "@fleetline/device-client";
import type { Random } from "../random.js";
import { clamp, type DeviceModel, type ModelOptions, round } from "./device-model.js";

type State = "docked" | "charging" | "cleaning" | "returning" | "stuck" | "error" | "paused";
type Fault = NonNullable<Report["faults"]>[number];

const MINUTE = 60_000;

/**
 * A Roomba-style robot: missions from the dock across a room, a battery that drains while
 * cleaning and charges on the dock, a bin that fills, and the trouble robots get into — stuck
 * under furniture, cliff sensors, jammed wheels and brushes — until told to dock.
 */
export class RobotModel implements DeviceModel {
  readonly type = "robot" as const;
  private last: number | undefined;
  private state: State = "docked";
  private battery: number;
  private bin: number;
  private x = 0;
  private y = 0;
  private heading: number;
  private area = 0;
  private rssi: number;
  private readonly room: { width: number; depth: number };
  private stuckUntil = 0;
  private fault: Fault | undefined;
  private faultUntil = 0;
  private pendingDock = false;
  /** The firmware it runs; a firmware job installs another (devices/simulator/src/jobs). */
  firmware = "1.0.0";

  constructor(
    private readonly random: Random,
    private readonly options: ModelOptions,
  ) {
    this.battery = random.between(60, 100);
    this.bin = random.between(0, 0.5);
    this.heading = random.between(0, 2 * Math.PI);
    this.rssi = random.between(-75, -45);
    this.room = { width: random.between(4, 9), depth: random.between(3, 7) };
  }

  step(now: number): Report {
    const dt = Math.min(this.last === undefined ? 0 : now - this.last, 30 * MINUTE);
    this.last = now;
    const minutes = dt / MINUTE;
    if (this.fault && now >= this.faultUntil && this.fault.code !== "BATTERY_CRITICAL")
      this.fault = undefined;

    switch (this.state) {
      case "docked":
      case "charging":
        this.battery = clamp(this.battery + 1.5 * minutes, 0, 100);
        this.state = this.battery < 100 ? "charging" : "docked";
        if (this.fault?.code === "BATTERY_CRITICAL" && this.battery > 20) this.fault = undefined;
        if (this.battery > 95 && !this.pendingDock && this.random.chance(minutes / 30)) {
          this.state = "cleaning";
          this.area = 0;
          this.bin = this.bin > 0.9 ? 0 : this.bin; // emptied at the dock
        }
        break;
      case "cleaning":
        this.clean(minutes, now);
        break;
      case "returning":
        this.moveTowardDock(minutes);
        break;
      case "stuck":
        this.battery = clamp(this.battery - 0.1 * minutes, 0, 100);
        if (now >= this.stuckUntil) this.state = "cleaning";
        break;
      default:
        break;
    }
    if (this.pendingDock && (this.state === "cleaning" || this.state === "stuck" || this.state === "paused"))
      this.state = "returning";
    if (this.battery < 5 && this.state !== "charging" && this.state !== "docked") {
      this.fault = { code: "BATTERY_CRITICAL", severity: "critical", detail: `${Math.round(this.battery)}%` };
    }
    this.rssi = clamp(this.rssi + this.random.normal(0, 1.5) - Math.hypot(this.x, this.y) * 0.05, -110, -30);

    const faults: Fault[] = [];
    if (this.fault) faults.push(this.fault);
    if (this.state === "stuck") faults.push({ code: "STUCK", severity: "major" });
    if (this.bin >= 1) faults.push({ code: "BIN_FULL", severity: "minor" });
    return {
      metrics: {
        batteryPct: round(this.battery, 1),
        state: this.state,
        binFull: this.bin >= 1,
        x: round(this.x),
        y: round(this.y),
        areaM2: round(this.area, 1),
        rssiDbm: round(this.rssi, 0),
      },
      faults: this.options.faults ? faults : [],
    };
  }

  private clean(minutes: number, now: number): void {
    this.battery = clamp(this.battery - 0.8 * minutes, 0, 100);
    this.bin = clamp(this.bin + 0.01 * minutes, 0, 1);
    const distance = 0.25 * 60 * minutes; // 0.25 m/s
    this.heading += this.random.normal(0, 0.6);
    this.x = clamp(this.x + Math.cos(this.heading) * distance, 0, this.room.width);
    this.y = clamp(this.y + Math.sin(this.heading) * distance, 0, this.room.depth);
    if (this.x === 0 || this.y === 0 || this.x === this.room.width || this.y === this.room.depth)
      this.heading += Math.PI / 2;
    this.area = clamp(this.area + 0.3 * distance, 0, this.room.width * this.room.depth * 3);
    if (this.options.faults) {
      if (this.random.chance(minutes / 120)) {
        this.state = "stuck";
        this.stuckUntil = now + this.random.between(1, 6) * MINUTE;
      } else if (this.random.chance(minutes / 600)) {
        const code = this.random.pick(["CLIFF_SENSOR", "WHEEL_JAMMED", "BRUSH_JAMMED"] as const);
        this.fault = { code, severity: code === "CLIFF_SENSOR" ? "major" : "minor" };
        this.faultUntil = now + this.random.between(1, 10) * MINUTE;
      }
    }
    if (this.battery < 15 || this.bin >= 1 || this.area > this.room.width * this.room.depth * 2)
      this.state = "returning";
  }

  private moveTowardDock(minutes: number): void {
    this.battery = clamp(this.battery - 0.5 * minutes, 0, 100);
    const distance = 0.3 * 60 * minutes;
    const remaining = Math.hypot(this.x, this.y);
    if (remaining <= distance) {
      this.x = 0;
      this.y = 0;
      this.state = "charging";
      this.pendingDock = false;
      return;
    }
    this.x -= (this.x / remaining) * distance;
    this.y -= (this.y / remaining) * distance;
  }

  applyDesired(desired: Record<string, unknown>): Record<string, unknown> {
    if (desired.command !== "dock") return {};
    this.pendingDock = this.state !== "docked" && this.state !== "charging";
    if (this.pendingDock) this.state = "returning";
    return { command: "dock" };
  }
}
