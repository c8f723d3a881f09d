import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { acceptsConnections, freePort } from "../src/lib/net/listen.js";
import { waitFor } from "./helpers.js";

export interface Mosquitto {
  url: string;
  /** Stops it with SIGTERM (it saves its persistence file, when it has one). */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port and files. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): its connections stay open and nothing on them is answered. */
  freeze(): void;
  /** Lets a frozen broker run on (SIGCONT). */
  thaw(): void;
}

/**
 * Debian's mosquitto (an MQTT 5 broker) on a free loopback port, anonymous, for the external-broker
 * tests. With `persistence`, sessions and queued messages survive a restart (saved on SIGTERM), and
 * a slow subscriber's queue is unbounded (mosquitto would drop past 1,000 queued QoS 1 messages).
 */
export async function startMosquitto(
  dir: string,
  options: { persistence?: boolean } = {},
): Promise<Mosquitto> {
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  const lines = [`listener ${port} 127.0.0.1`, "allow_anonymous true", "max_queued_messages 0"];
  // Started as root, mosquitto would switch to its own user, which cannot write the test's directory.
  if (options.persistence) lines.push("persistence true", `persistence_location ${dir}/`, "user root");
  else lines.push("persistence false");
  await writeFile(config, `${lines.join("\n")}\n`);
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const binary = existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
  let child: ChildProcess;

  async function launch(): Promise<void> {
    child = spawn(binary, ["-c", config], { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error) =>
        reject(new Error(`mosquitto could not start (is it installed?): ${error.message}`)),
      );
    });
    await Promise.race([
      waitFor(() => acceptsConnections("127.0.0.1", port), `mosquitto on port ${port}`),
      failed,
    ]);
  }

  function stop(): Promise<void> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }

  await launch();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    freeze: () => child.kill("SIGSTOP"),
    thaw: () => child.kill("SIGCONT"),
  };
}
