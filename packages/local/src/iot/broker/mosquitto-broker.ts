import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { fleetlineError } from "@fleetline/core/common";
import { type DeviceIdentity, devicePolicyFor, RUNTIME_IDENTITIES } from "@fleetline/core/devices";
import { acceptsConnections, freePort } from "../../lib/net/listen.js";
import { GroupCommit } from "../../stores/group-commit.js";
import type { CertificateAuthority } from "../registry/certificate-authority.js";
import type { DeviceRegistry } from "../registry/device-registry.js";

/**
 * Mosquitto's ACL from the registry and DEVICE_POLICY: each thing may publish and subscribe on its
 * own topics only, under the identity its certificate gives it (`use_identity_as_username`).
 */
export function mosquittoAcl(identities: readonly DeviceIdentity[]): string {
  // `#` does not reach topics that begin with `$` (MQTT's rule, which mosquitto's ACL keeps): the
  // shadow topics under `$aws/` are granted by name.
  // The runtime's own clients, by certificate CN (a `.` no thing name has): the rules engine only
  // reads; the shadow service answers shadow requests and publishes alerts and Data Plane messages.
  const lines = [
    `user ${RUNTIME_IDENTITIES.rulesEngine}`,
    "topic read #",
    "topic read $aws/#",
    "",
    `user ${RUNTIME_IDENTITIES.shadowService}`,
    "topic readwrite #",
    "topic readwrite $aws/#",
    "",
  ];
  for (const identity of identities) {
    const policy = devicePolicyFor(identity);
    lines.push(`user ${identity.thing}`);
    for (const topic of policy.publish) lines.push(`topic write ${topic}`);
    for (const filter of policy.subscribe) lines.push(`topic read ${filter}`);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/** Where mosquitto is: $FLEETLINE_MOSQUITTO, Debian's /usr/sbin (not on every PATH), or the PATH. */
export function mosquittoBinary(): string | undefined {
  const given = process.env.FLEETLINE_MOSQUITTO;
  if (given) return existsSync(given) ? given : undefined;
  const dirs = [
    "/usr/sbin",
    "/usr/local/sbin",
    "/opt/homebrew/sbin",
    ...(process.env.PATH ?? "").split(delimiter),
  ];
  return dirs.map((dir) => join(dir, "mosquitto")).find((path) => path.startsWith("/") && existsSync(path));
}

/** What a client of the runtime's presents to mosquitto: the CA to trust, its certificate and key. */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface MosquittoBroker {
  url: string;
  port: number;
  /** The runtime's own clients, each with a certificate of its own (RUNTIME_IDENTITIES), and the CA. */
  clients: { rulesEngine: ClientTls; shadowService: ClientTls };
  stop(): Promise<void>;
}

/**
 * `fleetline dev --mqtt5`: Debian's mosquitto (MQTT 5 and 3.1.1) as the device broker, on the
 * mutual-TLS port with the local CA — the certificate is the identity, its CN the username and
 * client id — and an ACL written from the registry and DEVICE_POLICY, rewritten (and reloaded
 * with SIGHUP) whenever a thing is added or removed.
 */
export async function startMosquitto(options: {
  dir: string;
  host: string;
  port: number;
  ca: CertificateAuthority;
  registry: DeviceRegistry;
  /** Remove `dir` on stop (a run kept in memory). */
  temporary?: boolean;
}): Promise<MosquittoBroker> {
  const binary = mosquittoBinary();
  if (!binary)
    throw fleetlineError(
      "STARTUP_FAILED",
      `--mqtt5 runs mosquitto, which is not installed${process.env.FLEETLINE_MOSQUITTO ? ` at ${process.env.FLEETLINE_MOSQUITTO}` : ""}: apt-get install mosquitto (or set FLEETLINE_MOSQUITTO to its path)`,
    );
  const { dir, host, ca, registry } = options;
  await mkdir(dir, { recursive: true });
  const server = await ca.issueServer(host);
  const tlsOf = async (identity: string): Promise<ClientTls> => {
    const issued = await ca.issueDevice(identity);
    return { ca: ca.pem, cert: issued.certificatePem, key: issued.privateKeyPem };
  };
  const clients = {
    rulesEngine: await tlsOf(RUNTIME_IDENTITIES.rulesEngine),
    shadowService: await tlsOf(RUNTIME_IDENTITIES.shadowService),
  };
  const files = {
    ca: join(dir, "ca.pem"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server.key"),
    acl: join(dir, "acl"),
    conf: join(dir, "mosquitto.conf"),
  };
  await writeFile(files.ca, ca.pem);
  await writeFile(files.cert, server.certificatePem);
  await writeFile(files.key, server.privateKeyPem, { mode: 0o600 });
  const writeAcl = async () => writeFile(files.acl, mosquittoAcl(await registry.list()));
  await writeAcl();
  // A port of 0 cannot be given to mosquitto: pick a free one first.
  const port = options.port === 0 ? await freePort(host) : options.port;
  await writeFile(
    files.conf,
    [
      "per_listener_settings false",
      "allow_anonymous false",
      // Never drop a slow subscriber's QoS 1 messages (the rules engine's, under load).
      "max_queued_messages 0",
      "persistence false",
      // Started as root, mosquitto would switch to its own user, which cannot read these files.
      `user ${userInfo().username}`,
      `acl_file ${files.acl}`,
      `listener ${port} ${host}`,
      `cafile ${files.ca}`,
      `certfile ${files.cert}`,
      `keyfile ${files.key}`,
      "require_certificate true",
      "use_identity_as_username true",
      // The certificate's thing is the client id too (AWS refuses another id; mosquitto renames it).
      "use_username_as_clientid true",
      "tls_version tlsv1.2",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["-c", files.conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await acceptsConnections(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw fleetlineError(
        "STARTUP_FAILED",
        `mosquitto did not start on ${host}:${port} (is the port free?)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The ACL follows the registry: a new thing may use its topics, a removed one none.
  // Registrations that arrive while the ACL is being rewritten (a simulator registers 20 at once)
  // share the next rewrite instead of one each.
  const reload = new GroupCommit<true>(async () => {
    await writeAcl();
    child.kill("SIGHUP");
    // Mosquitto rereads the ACL at its next loop: give it that before the change is answered.
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const unhook = registry.afterChange(() => reload.add([["acl", true]]));
  return {
    url: `mqtts://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    port,
    clients,
    stop: async () => {
      unhook();
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      if (options.temporary) await rm(dir, { recursive: true, force: true });
    },
  };
}
