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
    // Under TLS 1.3 a refused certificate reaches here as the client's hang-up; why it was
    // refused is the socket's authorization error.
    const verdict = (socket as TLSSocket & { authorizationError?: Error | string | null }).authorizationError;
    refused(describeTlsRefusal(error, verdict ? String(verdict) : undefined));
    socket.destroy();
  });
  return server;
}

/**
 * Why a TLS handshake on the mutual-TLS port failed, as something a firmware engineer can act on
 * rather than OpenSSL's own words (which follow, in brackets, for a search).
 */
export function describeTlsRefusal(error: Error & { code?: string }, verification?: string): string {
  const raw = `${verification ?? ""} ${error.code ?? ""} ${error.message}`;
  const why = [
    [
      /PEER_DID_NOT_RETURN_A_CERTIFICATE|peer did not return a certificate/i,
      "the client sent no certificate: the mutual-TLS port needs the device's certificate and key (fleetline devices add <thing> --type T --certs DIR)",
    ],
    [
      /CERTIFICATE_EXPIRED|certificate has expired|CERT_HAS_EXPIRED/i,
      "the client's certificate has expired: issue a new one (fleetline devices add <thing> --type T --certs DIR)",
    ],
    [
      /UNKNOWN_CA|unknown ca|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER|unable to get (local )?issuer|SELF_SIGNED|self.signed|certificate verify failed|bad certificate/i,
      "the client's certificate is not signed by fleetline dev's CA: use a certificate fleetline devices add --certs issued",
    ],
    [
      /WRONG_VERSION_NUMBER|wrong version number|http request|HTTP_REQUEST/i,
      "the client does not speak TLS here: plain MQTT goes to the MQTT port (1883), TLS with a certificate to this one",
    ],
    [
      /UNSUPPORTED_PROTOCOL|unsupported protocol|version too low|TLSV1_ALERT_PROTOCOL_VERSION/i,
      "the client offered a TLS version below 1.2, which AWS IoT Core and this port refuse",
    ],
    [/timed? ?out|ETIMEDOUT|handshake timeout/i, "the client did not finish the TLS handshake within 10 s"],
    [
      /ECONNRESET|socket hang up|EPIPE/i,
      "the client hung up during the TLS handshake (often: it did not trust the broker's certificate; give it fleetline-ca.pem)",
    ],
  ] as const;
  const found = why.find(([pattern]) => pattern.test(raw));
  const openssl = [verification, error.code, error.message.trim()].filter(Boolean).join(": ");
  return `${found ? found[1] : "the TLS handshake failed"} [${openssl}]`;
}
