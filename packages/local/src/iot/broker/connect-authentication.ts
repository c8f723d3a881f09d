import { timingSafeEqual } from "node:crypto";
import { type ClaimIdentity, type DeviceIdentity, RUNTIME_IDENTITIES } from "@fleetline/core/devices";
import type { DeviceRegistry } from "../registry/device-registry.js";
import type { PeerCertificate } from "./mtls-listener.js";
import type { Refusal } from "./refusals.js";

/** Who a connection is: a thing, a provisioning claim, or the runtime's own clients. */
export type Principal = DeviceIdentity | ClaimIdentity | "service";

/** MQTT 3.1.1 CONNACK return codes. */
export const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** The username of Fleetline's own clients (rules engine, shadow service); its password is per run. */
export const SERVICE_USERNAME = RUNTIME_IDENTITIES.service;

/** What a CONNECT brings to be judged. */
export interface ConnectCredentials {
  clientId: string;
  /** As sent; the AWS IoT Device SDK appends "?SDK=…&Version=…". */
  username: string | undefined;
  password: Buffer | undefined;
  /** The certificate of a mutual-TLS connection. */
  peer: PeerCertificate | undefined;
}

/** Whom the broker trusts: the registry, provisioning claims, and this run's service token. */
export interface Trust {
  registry: DeviceRegistry;
  claims: (fingerprint: string) => ClaimIdentity | undefined;
  serviceToken: string;
}

export type ConnectVerdict =
  | {
      ok: true;
      principal: Principal;
      /** Told in the broker's `authenticated` event (not for the runtime's own clients). */
      announced?: string;
    }
  | { ok: false; refusal: Refusal; detail: string; returnCode: number; message: string };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const refused = (refusal: Refusal, detail: string, returnCode: number, message: string): ConnectVerdict => ({
  ok: false,
  refusal,
  detail,
  returnCode,
  message,
});
const badCredentials = (refusal: Refusal, detail: string) =>
  refused(refusal, detail, CONNACK.badUsernameOrPassword, "bad credentials");

/**
 * Who may connect, as AWS IoT Core decides it (docs/guide/security.md): on the mutual-TLS port the
 * certificate is the identity — a device's, issued and not revoked, with its thing name as the
 * client id, or a provisioning claim's, with any client id but a thing's; elsewhere the thing name
 * and its token, the client id the thing name; the runtime's own clients by this run's token.
 */
export function authenticateConnect(credentials: ConnectCredentials, trust: Trust): ConnectVerdict {
  const { clientId, peer } = credentials;
  if (peer) return authenticateCertificate(clientId, peer, trust);
  const username = (credentials.username ?? "").split("?")[0] ?? "";
  const token = credentials.password?.toString("utf8") ?? "";
  if (username === SERVICE_USERNAME)
    return sameSecret(token, trust.serviceToken)
      ? { ok: true, principal: "service" }
      : badCredentials("bad-credentials", "wrong service token");
  const verdict = trust.registry.verify(username, token);
  // The same answer as a wrong token: which thing names exist is nobody's business.
  if (verdict === "unknown-thing") return badCredentials("unknown-thing", `no thing named "${username}"`);
  if (verdict === "bad-token") return badCredentials("bad-credentials", `wrong token for ${username}`);
  if (clientId !== verdict.thing)
    return refused(
      "client-id-mismatch",
      `client id must be the thing name ${verdict.thing}`,
      CONNACK.identifierRejected,
      "client id is not the thing name",
    );
  return { ok: true, principal: verdict, announced: credentials.username ?? "" };
}

function authenticateCertificate(clientId: string, peer: PeerCertificate, trust: Trust): ConnectVerdict {
  const verdict = trust.registry.verifyCertificate(peer.fingerprint);
  const claim = verdict === "unknown-certificate" ? trust.claims(peer.fingerprint) : undefined;
  if (claim) {
    // A claim shared by a factory's devices must not take a registered device's connection.
    if (trust.registry.isRegistered(clientId))
      return refused(
        "client-id-mismatch",
        "a provisioning claim may not use a thing's client id",
        CONNACK.notAuthorized,
        "not authorized",
      );
    return { ok: true, principal: claim, announced: `claim:${claim.templateName}` };
  }
  if (verdict === "unknown-certificate")
    return refused(
      "bad-certificate",
      `certificate of ${peer.commonName} is revoked or unknown`,
      CONNACK.notAuthorized,
      "not authorized",
    );
  if (clientId !== verdict.thing)
    return refused(
      "client-id-mismatch",
      `the certificate belongs to ${verdict.thing}`,
      CONNACK.notAuthorized,
      "not authorized",
    );
  return { ok: true, principal: verdict, announced: `certificate:${verdict.thing}` };
}
