import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type Props, resourcesOf, templatesOf } from "./synth.js";

/** The rights docs/guide/security.md lists as ones no IAM policy can narrow to a stage, by action. */
function listedAccountWide(): Set<string> {
  const readme = readFileSync(join(process.cwd(), "docs/guide/security.md"), "utf8");
  const heading = "### Rights no policy can narrow to a stage";
  const start = readme.indexOf(heading);
  expect(start, `the security guide has "${heading}"`).toBeGreaterThan(0);
  const section = readme.slice(start + heading.length).split(/\n#+ /)[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return new Set(
    rows.flatMap((row) =>
      [...(row.split("|")[1] ?? "").matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)].map((m) => m[1] as string),
    ),
  );
}

type Statement = { Action: string | string[]; Resource: unknown };
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every IAM right of the templates as "action on resource". */
function rightsOf(templates: Record<string, Template>): Array<{ action: string; resource: string }> {
  return resourcesOf("AWS::IAM::Policy", templates).flatMap((policy: Props) =>
    (policy.PolicyDocument.Statement as Statement[]).flatMap((s) =>
      list(s.Action).flatMap((action) =>
        list(s.Resource).map((r) => ({ action, resource: JSON.stringify(r) })),
      ),
    ),
  );
}

/** Names this stage's things (`{stage}_…`) or its own device policy: nothing of another stage. */
const stageNarrowed = (stage: string, resource: string) =>
  resource.includes(`/${stage}_`) ||
  (resource.includes(":policy/") && resource.toLowerCase().includes(`${stage}-fleetline-devices`));

describe("stage isolation, on every right", () => {
  const stages: Array<[string, Record<string, Template>]> = [];
  beforeAll(async () => {
    stages.push(["test", await templatesOf("test")]);
    stages.push(["legacy", await templatesOf("legacy", { FLEETLINE_TELEMETRY: "timestream" })]);
  }, 600_000);

  it("narrows every IoT right to the stage's things, but those the security guide lists as account-wide", () => {
    const listed = listedAccountWide();
    for (const [stage, templates] of stages) {
      const loose = rightsOf(templates).filter(
        ({ action, resource }) =>
          (action.startsWith("iot:") || resource === '"*"') &&
          !stageNarrowed(stage, resource) &&
          !listed.has(action),
      );
      expect(loose, stage).toEqual([]);
    }
  });

  it("lists only rights a stage really has", () => {
    const granted = new Set(stages.flatMap(([, templates]) => rightsOf(templates).map((r) => r.action)));
    expect([...listedAccountWide()].filter((action) => !granted.has(action))).toEqual([]);
  });

  it("publishes alert records to this stage's things only", () => {
    for (const [stage, templates] of stages) {
      const publish = rightsOf(templates).filter((r) => r.action === "iot:Publish");
      expect(publish.length).toBeGreaterThan(0);
      for (const { resource } of publish) expect(resource).toContain(`:topic/alerts/fleetline/*/${stage}_*`);
    }
  });
});
