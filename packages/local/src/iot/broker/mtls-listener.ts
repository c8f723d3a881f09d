import { createServer, type Server, type TLSSocket } from "node:tls";

/** The broker's TLS identity and the CA whose device certificates it accepts. */
export interface MtlsCredentials {
  caPem: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** A device's certificate as the handshake proved it: SHA-256 fingerprint (hex) and common name. */
export interface PeerCertificate {
  fingerprint: string;
  commonName: string;
}

/**
 * The mutual-TLS listener, as AWS IoT Core's port 8883: TLS 1.2 or later, and a client certificate
 * signed by the CA is required — a client without one, with one from another CA or expired, fails
 * the handshake (`refused`). A verified connection is handed on with its certificate.
 */
export function mtlsServer(
  credentials: MtlsCredentials,
  accept: (socket: TLSSocket, peer: PeerCertificate) => void,
  refused: (detail: string) => void,
): Server {
  const server = createServer(
    {
      key: credentials.privateKeyPem,
      cert: credentials.certificatePem,
      ca: [credentials.caPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      // A peer that never finishes its handshake does not hold a connection slot for long.
      handshakeTimeout: 10_000,
    },
    (socket) => {
      const certificate = socket.getPeerCertificate();
      accept(socket, {
        fingerprint: (certificate.fingerprint256 ?? "").replace(/:/g, "").toLowerCase(),
        commonName: typeof certificate.subject?.CN === "string" ? certificate.subject.CN : "",
      });
    },
  );
  server.on("tlsClientError", (error, socket) => {
    refused(error.message);
    socket.destroy();
  });
  return server;
}
