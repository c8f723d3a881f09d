import { describe, expect, it } from "vitest";
import { browserRefusal } from "../src/lib/net/browser-guard.js";

const loopback = { host: "127.0.0.1", dashboardPort: () => 8080 };
const offLoopback = { host: "0.0.0.0", anyHost: true, dashboardPort: () => 8080 };

describe("the browser guard of every port", () => {
  it.each([
    ["a process of this machine (no Origin)", "POST", { host: "127.0.0.1:4567" }],
    ["the dashboard", "POST", { host: "127.0.0.1:4567", origin: "http://localhost:8080" }],
    ["the dashboard by IPv6", "POST", { host: "[::1]:4567", origin: "http://[::1]:8080" }],
    [
      "a link followed from another site",
      "GET",
      { host: "localhost:8080", "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
    ],
    ["HTTP/2's :authority", "POST", { ":authority": "localhost:4567" }],
  ])("serves %s", (_name, method, headers) => {
    expect(browserRefusal(method, headers, loopback)).toBeUndefined();
  });

  it.each([
    ["a rebound host name", "GET", { host: "evil.example:4567" }, "HOST_NOT_ALLOWED"],
    ["a rebound :authority", "POST", { ":authority": "evil.example:4567" }, "HOST_NOT_ALLOWED"],
    [
      "another site's page",
      "POST",
      { host: "127.0.0.1:4567", origin: "http://evil.example" },
      "CROSS_ORIGIN_REQUEST",
    ],
    [
      "another port's page",
      "POST",
      { host: "127.0.0.1:4567", origin: "http://127.0.0.1:3000" },
      "CROSS_ORIGIN_REQUEST",
    ],
    [
      "an https page on the dashboard's port",
      "POST",
      { origin: "https://localhost:8080" },
      "CROSS_ORIGIN_REQUEST",
    ],
    ["a sandboxed page (Origin: null)", "POST", { origin: "null" }, "CROSS_ORIGIN_REQUEST"],
    [
      "a cross-site image load",
      "GET",
      { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
      "CROSS_SITE_REQUEST",
    ],
    ["a same-site write without an Origin", "POST", { "sec-fetch-site": "same-site" }, "CROSS_SITE_REQUEST"],
  ])("refuses %s", (_name, method, headers, code) => {
    expect(browserRefusal(method, headers, loopback)).toMatchObject({ code });
  });

  it("beyond loopback serves any name, and the dashboard as the request names it", () => {
    const lan = { host: "192.168.1.5:8080", origin: "http://192.168.1.5:8080" };
    expect(browserRefusal("POST", lan, offLoopback)).toBeUndefined();
    expect(browserRefusal("POST", { ...lan, origin: "http://evil.example:8080" }, offLoopback)).toMatchObject(
      {
        code: "CROSS_ORIGIN_REQUEST",
      },
    );
  });
});
