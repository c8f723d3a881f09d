import { connect } from "node:net";
import type { Runtime } from "@fleetline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "./helpers.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startRuntime();
});
afterAll(() => runtime?.stop());

/** Sends requests one after another on one connection; the head of each answer. */
function onOneConnection(url: string, requests: string[]): Promise<string[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const heads: string[] = [];
    let buffer = "";
    const next = () => {
      const request = requests[heads.length];
      if (request === undefined) {
        socket.end();
        resolve(heads);
      } else socket.write(request);
    };
    socket.on("connect", next);
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffer.slice(0, end);
      // The body: by its length, or chunked up to its last, empty chunk.
      const length = /content-length: (\d+)/i.exec(head)?.[1];
      const last = length === undefined ? buffer.indexOf("\r\n0\r\n\r\n", end) : -1;
      const bodyEnd = length !== undefined ? end + 4 + Number(length) : last < 0 ? -1 : last + 7;
      if (bodyEnd < 0 || buffer.length < bodyEnd) return;
      heads.push(head);
      buffer = buffer.slice(bodyEnd);
      next();
    });
    socket.on("error", reject);
    socket.on(
      "close",
      () => heads.length < requests.length && reject(new Error(`closed after ${heads.length}`)),
    );
  });
}

describe("idle keep-alive connections", () => {
  it("are advertised for 5 s and served again on the HTTP API and the Kinesis port", async () => {
    const host = (url: string) => new URL(url).host;
    const get = (url: string) => `GET /healthz HTTP/1.1\r\nHost: ${host(url)}\r\n\r\n`;
    const kinesis = runtime.urls.kinesis;
    const post = `POST / HTTP/1.1\r\nHost: ${host(kinesis)}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 2\r\n\r\n{}`;
    for (const [url, request] of [
      [runtime.urls.http, get(runtime.urls.http)],
      [kinesis, post],
    ] as const) {
      const heads = await onOneConnection(url, [request, request]);
      expect(heads).toHaveLength(2);
      for (const head of heads) expect(head.toLowerCase()).toContain("keep-alive: timeout=5");
    }
  });
});
