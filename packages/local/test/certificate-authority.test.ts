import { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CertificateAuthority, fingerprintOf } from "../src/iot/registry/certificate-authority.js";
import { tempDir } from "./helpers.js";

describe("the local certificate authority", () => {
  it("is created once in its directory, its key readable by its owner only, and the same after a restart", async () => {
    const dir = await tempDir("ca");
    try {
      const first = await CertificateAuthority.open(join(dir.path, "ca"));
      expect((await stat(join(dir.path, "ca", "ca.key"))).mode & 0o777).toBe(0o600);
      const again = await CertificateAuthority.open(join(dir.path, "ca"));
      expect(again.pem).toBe(first.pem);
      // A certificate the restarted CA signs chains to the CA devices were given before.
      const issued = await again.issueDevice("fs-1");
      expect(new X509Certificate(issued.certificatePem).checkIssued(new X509Certificate(first.pem))).toBe(
        true,
      );
    } finally {
      await dir.remove();
    }
  });

  it("issues a device certificate for its thing, for client authentication, with its fingerprint", async () => {
    const ca = await CertificateAuthority.open(undefined);
    const issued = await ca.issueDevice("fs-7");
    const certificate = new X509Certificate(issued.certificatePem);
    expect(certificate.subject).toBe("CN=fs-7");
    expect(certificate.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
    expect(certificate.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(issued.fingerprint).toBe(fingerprintOf(certificate.raw));
    expect(issued.privateKeyPem).toContain("BEGIN PRIVATE KEY");
  });

  it("issues the broker's certificate for localhost, 127.0.0.1 and the host it listens on", async () => {
    const ca = await CertificateAuthority.open(undefined);
    const server = new X509Certificate((await ca.issueServer("192.168.1.20")).certificatePem);
    expect(server.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:192.168.1.20");
    expect(server.checkHost("localhost")).toBe("localhost");
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });
});
