import type { CaseResult } from "./runner.js";

const xmlText = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The run as JUnit XML, one testcase a case: what CI systems draw and keep. n/a is `skipped`. */
export function junitXml(results: CaseResult[], thing: string): string {
  const failures = results.filter((r) => r.status === "failed").length;
  const skipped = results.filter((r) => r.status === "n/a").length;
  const time = results.reduce((sum, r) => sum + r.ms, 0) / 1000;
  const cases = results.map((r) => {
    const open = `    <testcase classname="fleetline.conformance.${xmlText(r.suite)}" name="${xmlText(r.name)}" time="${(r.ms / 1000).toFixed(3)}"`;
    const expects = `      <system-out>${xmlText(`AWS expects: ${r.expects}\nthe device: ${r.did}`)}</system-out>`;
    if (r.status === "failed")
      return `${open}>\n      <failure message="${xmlText(r.did)}">${xmlText(r.expects)}</failure>\n${expects}\n    </testcase>`;
    if (r.status === "n/a")
      return `${open}>\n      <skipped message="${xmlText(r.did)}"/>\n${expects}\n    </testcase>`;
    return `${open}>\n${expects}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleetline conformance" tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    `  <testsuite name="${xmlText(thing)}" tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
