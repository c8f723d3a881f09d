import { describe, expect, it } from "vitest";
import { junitXml } from "../src/conformance/junit.js";

describe("the conformance run's JUnit report", () => {
  it("has a testcase a case, failures and n/a as JUnit has them, and escapes what the device printed", () => {
    const xml = junitXml(
      [
        {
          suite: "connect",
          name: "connect",
          expects: "connects",
          status: "passed",
          did: "connected",
          ms: 500,
        },
        {
          suite: "shadow",
          name: "shadow-get",
          expects: "gets <its> shadow",
          status: "failed",
          did: 'said "no" & left',
          ms: 10_000,
        },
        {
          suite: "reconnect",
          name: "resubscribe",
          expects: "resubscribes",
          status: "n/a",
          did: "subscribed to nothing",
          ms: 0,
        },
      ],
      "fs-1",
    );
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain(
      '<testsuites name="fleetline conformance" tests="3" failures="1" skipped="1" time="10.500">',
    );
    expect(xml).toContain(
      '<testcase classname="fleetline.conformance.shadow" name="shadow-get" time="10.000">',
    );
    expect(xml).toContain(
      '<failure message="said &quot;no&quot; &amp; left">gets &lt;its&gt; shadow</failure>',
    );
    expect(xml).toContain('<skipped message="subscribed to nothing"/>');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });
});
