import type { Server as HttpServer } from "node:http";
import type { Http2Server } from "node:http2";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";

/** What an HTTP/2 client sends first (RFC 9113, 3.4): a cleartext connection with it speaks HTTP/2. */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * The socket as a stream that gives `head` (bytes already read from it) first. Node's HTTP/2
 * session reads a socket's handle directly, past anything unshifted back into the stream; a stream
 * with no handle of its own is read through the stream API, `head` included.
 */
function replaying(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (chunk, encoding, done) => socket.write(chunk, encoding, done),
    final: (done) => {
      socket.end();
      done();
    },
    destroy: (error, done) => {
      socket.destroy();
      done(error);
    },
  });
  stream.push(head);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  return stream;
}

/**
 * Hands a new connection to `http2` when it opens with the HTTP/2 preface (prior knowledge, as the
 * AWS SDK's default handler speaks to an `http://` endpoint), else to `http1`: one port for both.
 */
export function routeByHttpVersion(socket: Socket, http1: HttpServer, http2: Http2Server): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const seen = Math.min(head.length, HTTP2_PREFACE.length);
    const isHttp2 = head.subarray(0, seen).equals(HTTP2_PREFACE.subarray(0, seen));
    if (isHttp2 && seen < HTTP2_PREFACE.length) return;
    socket.off("data", onData);
    socket.pause();
    if (isHttp2) {
      http2.emit("connection", replaying(socket, head));
      return;
    }
    // Node's HTTP/1.1 parser takes bytes unshifted back into the socket.
    socket.unshift(head);
    http1.emit("connection", socket);
    socket.resume();
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
}
