// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM. */
export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** The certificate's public key, PEM. */
  publicKeyPem: string;
  /** SHA-256 of the certificate's DER, hex: what the registry keeps to recognise and revoke it. */
  fingerprint: string;
  notAfter: number;
}

async function pemOfPrivateKey(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** SHA-256 of a certificate's DER, hex (as `tls.PeerCertificate.fingerprint256`, without colons). */
export function fingerprintOf(der: Uint8Array | ArrayBuffer): string {
  return createHash("sha256")
    .update(der instanceof ArrayBuffer ? new Uint8Array(der) : der)
    .digest("hex");
}

/**
 * The local stand-in for the certificate authority behind AWS IoT Core's device certificates: a CA
 * created on first start (kept under the data dir, or in memory), which signs a certificate for
 * each device (`CN=<thing>`, client authentication) and one for the broker's TLS listener
 * (localhost, 127.0.0.1 and the host it listens on). ECDSA P-256, as AWS IoT accepts.
 */
export class CertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly key: CryptoKey,
  ) {}

  /** The CA certificate, PEM: what a device is given to trust the broker (`fleetline-ca.pem`). */
  get pem(): string {
    return this.certificate.toString("pem");
  }

  /** Loads the CA from `dir` (`ca.pem`, `ca.key`), creating it the first time; in memory without a dir. */
  static async open(dir: string | undefined, now = Date.now()): Promise<CertificateAuthority> {
    // Node's WebCrypto; its type and the DOM's (the dashboard's typecheck) differ only in name.
    (x509.cryptoProvider.set as unknown as (value: unknown) => void).call(x509.cryptoProvider, crypto);
    if (dir !== undefined) {
      const found = await Promise.all([
        readFile(join(dir, "ca.pem"), "utf8").catch(() => undefined),
        readFile(join(dir, "ca.key"), "utf8").catch(() => undefined),
      ]);
      if (found[0] && found[1]) {
        const key = await crypto.subtle.importKey(
          "pkcs8",
          x509.PemConverter.decodeFirst(found[1]),
          ALGORITHM,
          false,
          ["sign"],
        );
        return new CertificateAuthority(new x509.X509Certificate(found[0]), key);
      }
    }
    const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: "CN=Fleetline local CA, O=Fleetline",
      keys,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 10 * 365 * DAY_MS),
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    if (dir !== undefined) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "ca.key"), await pemOfPrivateKey(keys.privateKey), { mode: 0o600 });
      await chmod(join(dir, "ca.key"), 0o600);
      await writeFile(join(dir, "ca.pem"), certificate.toString("pem"));
    }
    return new CertificateAuthority(certificate, keys.privateKey);
  }

  private async issue(
    subject: string,
    usage: x509.ExtendedKeyUsage,
    names: x509.JsonGeneralName[],
    notAfter: number,
    now: number,
    /** A key the holder already has (a CSR's); without it a key pair is made and handed over. */
    publicKey?: x509.PublicKey,
  ): Promise<IssuedCertificate> {
    const keys = publicKey
      ? undefined
      : ((await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair);
    const subjectKey = publicKey ?? (keys as CryptoKeyPair).publicKey;
    const certificate = await x509.X509CertificateGenerator.create({
      subject,
      issuer: this.certificate.subject,
      publicKey: subjectKey,
      signingKey: this.key,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(notAfter),
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
        ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      ],
    });
    return {
      certificatePem: certificate.toString("pem"),
      privateKeyPem: keys ? await pemOfPrivateKey(keys.privateKey) : "",
      publicKeyPem: certificate.publicKey.toString("pem"),
      fingerprint: fingerprintOf(certificate.rawData),
      notAfter,
    };
  }

  /** A device certificate for `thing` (its client id on the mTLS port), valid a year. */
  issueDevice(thing: string, now = Date.now(), validDays = 365): Promise<IssuedCertificate> {
    return this.issue(`CN=${thing}`, x509.ExtendedKeyUsage.clientAuth, [], now + validDays * DAY_MS, now);
  }

  /**
   * A client certificate for no thing yet, as AWS IoT's CreateKeysAndCertificate makes one (fleet
   * provisioning, a claim): `validMs` long, with a new key pair.
   */
  issueClient(commonName: string, now: number, validMs: number): Promise<IssuedCertificate> {
    return this.issue(`CN=${commonName}`, x509.ExtendedKeyUsage.clientAuth, [], now + validMs, now);
  }

  /**
   * A client certificate for the key of a certificate signing request (CreateCertificateFromCsr):
   * the device keeps its private key. Throws when the CSR is not one or its signature is wrong.
   */
  async signRequest(csrPem: string, now: number, validMs: number): Promise<IssuedCertificate> {
    let request: x509.Pkcs10CertificateRequest;
    try {
      request = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw new Error("certificateSigningRequest is not a PEM certificate signing request");
    }
    if (!(await request.verify())) throw new Error("the certificate signing request's signature is wrong");
    return this.issue(
      "CN=AWS IoT Certificate",
      x509.ExtendedKeyUsage.clientAuth,
      [],
      now + validMs,
      now,
      request.publicKey,
    );
  }

  /** The broker's certificate, valid for localhost, 127.0.0.1 and `host`. */
  issueServer(host: string, now = Date.now()): Promise<IssuedCertificate> {
    const names: x509.JsonGeneralName[] = [
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
    ];
    if (host !== "localhost" && host !== "127.0.0.1" && host !== "0.0.0.0")
      names.push({ type: /^[\d.]+$|:/.test(host) ? "ip" : "dns", value: host });
    return this.issue("CN=fleetline dev", x509.ExtendedKeyUsage.serverAuth, names, now + 825 * DAY_MS, now);
  }
}
