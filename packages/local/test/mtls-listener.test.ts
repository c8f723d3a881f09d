import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mtlsServer } from "../src/iot/broker/mtls-listener.js";
import { CertificateAuthority } from "../src/iot/registry/certificate-authority.js";
import { waitFor } from "./helpers.js";

let ca: CertificateAuthority;
let server: ReturnType<typeof mtlsServer>;
let port = 0;
const refusals: string[] = [];

beforeAll(async () => {
  ca = await CertificateAuthority.open(undefined);
  const broker = await ca.issueServer("127.0.0.1");
  server = mtlsServer(
    { caPem: ca.pem, certificatePem: broker.certificatePem, privateKeyPem: broker.privateKeyPem },
    (socket) => socket.end(),
    (detail) => refusals.push(detail),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A TLS client that trusts the broker, with the given certificate (or none); resolves once it is over. */
function handshake(client?: { cert: string; key: string }): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca: [ca.pem], ...client });
    socket.on("secureConnect", () => socket.write("x"));
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
  });
}

describe("the mutual-TLS port's refusals", () => {
  it("say what to do, not only what OpenSSL said", async () => {
    const other = await CertificateAuthority.open(undefined);
    const foreign = await other.issueDevice("fs-tls");
    const expired = await ca.issueDevice("fs-tls", Date.now() - 400 * 86_400_000, 30);
    for (const [client, expected] of [
      [undefined, /^the client sent no certificate: .*--certs/],
      [
        { cert: foreign.certificatePem, key: foreign.privateKeyPem },
        /^the client's certificate is not signed by fleetline dev's CA/,
      ],
      [{ cert: expired.certificatePem, key: expired.privateKeyPem }, /^the client's certificate has expired/],
    ] as const) {
      const before = refusals.length;
      await handshake(client);
      const [said] = await waitFor(
        () => (refusals.length > before ? refusals.slice(before) : undefined),
        "the refusal",
      );
      expect(said).toMatch(expected);
      // OpenSSL's own words stay, in brackets, for a search.
      expect(said).toMatch(/\[.+\]$/);
    }
  });
});
