import { describe, expect, it } from "vitest";
import { filterCovers, isValidTopicFilter, topicMatches } from "../src/aws/index.js";
import { mayPublish, maySubscribe, whyPublishDenied } from "../src/devices/index.js";

const dispenser = { thing: "fs-policy", type: "freestyle" as const };

describe("topic filters", () => {
  it.each([
    ["a/+/c", "a/b/c", true],
    ["a/#", "a", true],
    ["a/#", "a/b/c", true],
    ["a/+", "a/b/c", false],
    ["+/b", "$aws/b", false],
    ["#", "$SYS/x", false],
    ["dt/fleetline/+/+/telemetry", "dt/fleetline/robot/rb-1/telemetry", true],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/+/c", true],
    ["a/#", "a/+/c/#", true],
    ["a/+/c", "a/#", false],
    ["a/b", "a/+", false],
  ])("%s covers %s: %s", (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });

  it("rejects misplaced wildcards", () => {
    expect(isValidTopicFilter("a/#/b")).toBe(false);
    expect(isValidTopicFilter("a/b+")).toBe(false);
    expect(isValidTopicFilter("")).toBe(false);
    expect(isValidTopicFilter("a/+/#")).toBe(true);
  });
});

describe("the device policy (docs/reference/contract.md §1)", () => {
  it("lets a device publish its own telemetry and shadow requests, classic and named", () => {
    for (const topic of [
      "dt/fleetline/freestyle/fs-policy/telemetry",
      "$aws/things/fs-policy/shadow/update",
      "$aws/things/fs-policy/shadow/get",
      "$aws/things/fs-policy/shadow/name/config/delete",
    ]) {
      expect(mayPublish(dispenser, topic), topic).toBe(true);
    }
  });

  it("refuses another thing's topics, another type's topic, shadow replies and alerts", () => {
    for (const topic of [
      "dt/fleetline/freestyle/fs-other/telemetry",
      "dt/fleetline/robot/fs-policy/telemetry",
      "$aws/things/fs-other/shadow/update",
      "$aws/things/fs-policy/shadow/update/accepted",
      "$aws/things/fs-policy/shadow/update/delta",
      "alerts/fleetline/freestyle/fs-policy",
      "$aws/things/fs-policy/jobs/notify",
    ]) {
      expect(mayPublish(dispenser, topic), topic).toBe(false);
    }
  });

  it("lets a device subscribe to its shadow replies and its alerts only", () => {
    for (const filter of [
      "$aws/things/fs-policy/shadow/update/accepted",
      "$aws/things/fs-policy/shadow/+/rejected",
      "$aws/things/fs-policy/shadow/update/delta",
      "$aws/things/fs-policy/shadow/name/config/get/accepted",
      "$aws/things/fs-policy/shadow/name/+/update/documents",
      "alerts/fleetline/freestyle/fs-policy",
    ]) {
      expect(maySubscribe(dispenser, filter), filter).toBe(true);
    }
    for (const filter of [
      "$aws/things/fs-other/shadow/update/accepted",
      "$aws/things/fs-policy/shadow/#",
      "$aws/things/+/shadow/update/delta",
      "dt/fleetline/freestyle/fs-policy/telemetry",
      "alerts/fleetline/#",
      "#",
    ]) {
      expect(maySubscribe(dispenser, filter), filter).toBe(false);
    }
  });
});

describe("why a publish is denied, in words a firmware engineer acts on", () => {
  it.each([
    [
      "dt/fleetline/robot/fs-policy/telemetry",
      "fs-policy is registered as a freestyle but published as a robot on dt/fleetline/robot/fs-policy/telemetry; it may publish only on dt/fleetline/freestyle/fs-policy/telemetry",
    ],
    [
      "dt/fleetline/freestyle/fs-other/telemetry",
      "fs-policy published on fs-other's telemetry topic dt/fleetline/freestyle/fs-other/telemetry; it may publish only on dt/fleetline/freestyle/fs-policy/telemetry",
    ],
    [
      "$aws/things/fs-other/shadow/update",
      "fs-policy published to fs-other's shadow ($aws/things/fs-other/shadow/update); a device may use only its own shadow",
    ],
    [
      "cmd/anything",
      "fs-policy published on cmd/anything, outside its device policy: it may publish on dt/fleetline/freestyle/fs-policy/telemetry and its own shadow topics ($aws/things/fs-policy/shadow/…)",
    ],
  ])("%s", (topic, why) => {
    expect(mayPublish(dispenser, topic)).toBe(false);
    expect(whyPublishDenied(dispenser, topic)).toBe(why);
  });
});
