import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { EventEmitter } from "node:events";
import { fleetlineError } from "@fleetline/core/common";
import {
  type CredentialKind,
  checkRegistration,
  type DeviceCredential,
  type DeviceIdentity,
  type DeviceType,
  type IssuedCertificate,
  isDeviceType,
  type RegisteredThing,
  type ThingRegistry,
} from "@fleetline/core/devices";
import type { Database } from "../../stores/database.js";
import type { CertificateAuthority } from "./certificate-authority.js";

interface Entry extends RegisteredThing {
  tokenHash: Buffer;
}

/** Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force. */
function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Compared against for an unknown thing, so it takes as long to refuse as a wrong token. */
const NO_THING = hashToken(randomBytes(32).toString("base64url"));

/**
 * The local stand-in for the AWS IoT thing registry and device credentials: things with their type
 * and a token, stored hashed. Emits `removed` with the thing name when a thing is deleted, so the
 * broker can close its connections.
 */
export class DeviceRegistry extends EventEmitter<{ removed: [thing: string] }> implements ThingRegistry {
  /** Awaited after every registration and removal (an external broker's ACL follows the registry). */
  private readonly changeHooks: Array<() => Promise<void>> = [];
  /** Names being registered now: taken before the first await, so a second registration is a CONFLICT. */
  private readonly registering = new Set<string>();

  /** Runs `hook` after each change, before the change is answered; returns its removal. */
  afterChange(hook: () => Promise<void>): () => void {
    this.changeHooks.push(hook);
    return () => this.changeHooks.splice(this.changeHooks.indexOf(hook), 1);
  }

  private async changed(): Promise<void> {
    for (const hook of this.changeHooks) await hook();
  }

  private constructor(
    private readonly db: Database,
    private readonly things: Map<string, Entry>,
    /** Active device certificates by SHA-256 fingerprint: the thing each belongs to. */
    private readonly certificates: Map<string, { thing: string; notAfter: number }>,
    private readonly ca: CertificateAuthority | undefined,
  ) {
    super();
  }

  /** `ca` signs device certificates (`credential: "certificate"`); without it only tokens are issued. */
  static async open(db: Database, ca?: CertificateAuthority): Promise<DeviceRegistry> {
    await db.run(`CREATE TABLE IF NOT EXISTS things (
      thing VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, token_hash VARCHAR NOT NULL, created_at BIGINT NOT NULL)`);
    await db.run(`CREATE TABLE IF NOT EXISTS certificates (
      fingerprint VARCHAR PRIMARY KEY, thing VARCHAR NOT NULL, created_at BIGINT NOT NULL, not_after BIGINT NOT NULL)`);
    const certificates = new Map<string, { thing: string; notAfter: number }>();
    for (const row of await db.all<{ fingerprint: string; thing: string; not_after: bigint }>(
      "SELECT fingerprint, thing, not_after FROM certificates",
    ))
      certificates.set(row.fingerprint, { thing: row.thing, notAfter: Number(row.not_after) });
    const rows = await db.all<{ thing: string; type: string; token_hash: string; created_at: bigint }>(
      "SELECT thing, type, token_hash, created_at FROM things",
    );
    const things = new Map<string, Entry>();
    for (const row of rows) {
      if (!isDeviceType(row.type)) continue;
      things.set(row.thing, {
        thing: row.thing,
        type: row.type,
        tokenHash: Buffer.from(row.token_hash, "hex"),
        createdAt: Number(row.created_at),
      });
    }
    return new DeviceRegistry(db, things, certificates, ca);
  }

  /**
   * Registers a thing and returns its credential — the only time it is ever shown: a token, or a
   * certificate signed by the local CA with its private key (and the CA, to trust the broker).
   */
  async register(
    thing: string,
    type: DeviceType,
    now?: number,
    credential?: "token",
  ): Promise<RegisteredThing & { token: string }>;
  async register(
    thing: string,
    type: DeviceType,
    now: number | undefined,
    credential: CredentialKind,
  ): Promise<RegisteredThing & DeviceCredential>;
  async register(
    thing: string,
    type: DeviceType,
    now = Date.now(),
    credential: CredentialKind = "token",
  ): Promise<RegisteredThing & DeviceCredential> {
    checkRegistration(thing, type);
    // The name is taken before anything is awaited: of two registrations of one name, one wins whole.
    if (this.things.has(thing) || this.registering.has(thing))
      throw fleetlineError("CONFLICT", `thing ${thing} already exists`);
    this.registering.add(thing);
    try {
      return await this.registerNew(thing, type, now, credential);
    } finally {
      this.registering.delete(thing);
    }
  }

  private async registerNew(
    thing: string,
    type: DeviceType,
    now: number,
    credential: CredentialKind,
  ): Promise<RegisteredThing & DeviceCredential> {
    if (credential === "certificate") {
      const issued = await this.issueCertificate(thing, now);
      try {
        await this.add(thing, type, now);
      } catch (error) {
        this.certificates.delete(issued.fingerprint);
        await this.db.run("DELETE FROM certificates WHERE fingerprint = $fingerprint", {
          fingerprint: issued.fingerprint,
        });
        throw error;
      }
      await this.changed();
      return { thing, type, createdAt: now, ...issued.credential };
    }
    const token = await this.add(thing, type, now);
    await this.changed();
    return { thing, type, createdAt: now, token };
  }

  /** A certificate signed by the local CA for `thing`, recorded by its fingerprint. */
  private async issueCertificate(thing: string, now: number) {
    if (!this.ca) throw fleetlineError("REQUEST_INVALID", "this registry issues no certificates");
    const issued = await this.ca.issueDevice(thing, now);
    await this.db.run("INSERT INTO certificates VALUES ($fingerprint, $thing, $createdAt, $notAfter)", {
      fingerprint: issued.fingerprint,
      thing,
      createdAt: BigInt(now),
      notAfter: BigInt(issued.notAfter),
    });
    this.certificates.set(issued.fingerprint, { thing, notAfter: issued.notAfter });
    const credential: IssuedCertificate = {
      // As AWS IoT names a certificate: its id is the SHA-256 of its DER.
      certificateArn: `arn:aws:iot:us-east-1:000000000000:cert/${issued.fingerprint}`,
      certificatePem: issued.certificatePem,
      privateKey: issued.privateKeyPem,
      caPem: this.ca.pem,
    };
    return { fingerprint: issued.fingerprint, credential };
  }

  /** Another certificate for a thing that exists, beside its token and its other certificates. */
  async addCertificate(thing: string, now = Date.now()): Promise<RegisteredThing & IssuedCertificate> {
    const entry = this.things.get(thing);
    if (!entry) throw fleetlineError("NOT_FOUND", `no thing named ${thing}`);
    const { credential } = await this.issueCertificate(thing, now);
    await this.changed();
    return { thing, type: entry.type, createdAt: entry.createdAt, ...credential };
  }

  /**
   * Fleet provisioning's registration: the certificate the device already holds (signed by the
   * local CA) becomes the thing's, the thing created if it does not exist — an existing thing of
   * the same type takes it beside its others, as AWS re-provisions a device. A thing of another
   * type is a CONFLICT; either everything is registered or nothing.
   */
  async provision(
    thing: string,
    type: DeviceType,
    certificate: { fingerprint: string; notAfter: number },
    now = Date.now(),
  ): Promise<{ created: boolean }> {
    checkRegistration(thing, type);
    if (this.registering.has(thing)) throw fleetlineError("CONFLICT", `thing ${thing} is being registered`);
    const existing = this.things.get(thing);
    if (existing && existing.type !== type)
      throw fleetlineError("CONFLICT", `thing ${thing} exists as a ${existing.type}`);
    this.registering.add(thing);
    try {
      if (!existing) await this.add(thing, type, now);
      try {
        await this.db.run("INSERT INTO certificates VALUES ($fingerprint, $thing, $createdAt, $notAfter)", {
          fingerprint: certificate.fingerprint,
          thing,
          createdAt: BigInt(now),
          notAfter: BigInt(certificate.notAfter),
        });
      } catch (error) {
        if (!existing) {
          this.things.delete(thing);
          await this.db.run("DELETE FROM things WHERE thing = $thing", { thing });
        }
        throw error;
      }
      this.certificates.set(certificate.fingerprint, { thing, notAfter: certificate.notAfter });
    } finally {
      this.registering.delete(thing);
    }
    await this.changed();
    return { created: !existing };
  }

  /** Adds the thing with a new token (never shown for a thing that connects with a certificate). */
  private async add(thing: string, type: DeviceType, now: number): Promise<string> {
    const token = `flt_${randomBytes(32).toString("base64url")}`;
    const entry: Entry = { thing, type, tokenHash: hashToken(token), createdAt: now };
    this.things.set(thing, entry);
    try {
      await this.db.run("INSERT INTO things VALUES ($thing, $type, $hash, $createdAt)", {
        thing,
        type,
        hash: entry.tokenHash.toString("hex"),
        createdAt: BigInt(now),
      });
    } catch (error) {
      if (this.things.get(thing) === entry) this.things.delete(thing);
      throw error;
    }
    return token;
  }

  /** Deletes a thing: its token stops working and `removed` fires. False if it did not exist. */
  async remove(thing: string): Promise<boolean> {
    if (!this.things.has(thing)) return false;
    await this.db.run("DELETE FROM things WHERE thing = $thing", { thing });
    // Its certificates are revoked with it: refused at the next connect.
    await this.db.run("DELETE FROM certificates WHERE thing = $thing", { thing });
    for (const [fingerprint, certificate] of this.certificates)
      if (certificate.thing === thing) this.certificates.delete(fingerprint);
    this.things.delete(thing);
    this.emit("removed", thing);
    await this.changed();
    return true;
  }

  /** Whether a thing of this name exists now. */
  isRegistered(thing: string): boolean {
    return this.things.has(thing);
  }

  async get(thing: string): Promise<RegisteredThing | undefined> {
    const entry = this.things.get(thing);
    return entry && { thing: entry.thing, type: entry.type, createdAt: entry.createdAt };
  }

  async list(): Promise<RegisteredThing[]> {
    return [...this.things.values()]
      .map(({ thing, type, createdAt }) => ({ thing, type, createdAt }))
      .sort((a, b) => a.thing.localeCompare(b.thing));
  }

  /**
   * The identity behind a client certificate the local CA signed (its SHA-256 fingerprint), or why
   * not: not one this registry issued, or revoked with its thing.
   */
  verifyCertificate(fingerprint: string): DeviceIdentity | "unknown-certificate" {
    const certificate = this.certificates.get(fingerprint);
    const entry = certificate && this.things.get(certificate.thing);
    return entry ? { thing: entry.thing, type: entry.type } : "unknown-certificate";
  }

  /** The identity behind a thing name and token, or why not: unknown thing or wrong token. */
  verify(thing: string, token: string): DeviceIdentity | "unknown-thing" | "bad-token" {
    const entry = this.things.get(thing);
    const matches = timingSafeEqual(hashToken(token), entry?.tokenHash ?? NO_THING);
    if (entry === undefined) return "unknown-thing";
    return matches ? { thing: entry.thing, type: entry.type } : "bad-token";
  }
}
