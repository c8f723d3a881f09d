import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, mockedAwsApi, serveApiGateway } from "../../functions/test/mocked-aws-api.js";
import { runCaptured } from "./captured-io.js";

// `fleetline devices` against the deployed query API: the API Lambda behind an HTTP front door,
// the AWS services behind it mocked.
let aws: Awaited<ReturnType<typeof mockedAwsApi>>;
let gateway: { url: string; close(): Promise<void> };
let certs: string;

beforeAll(async () => {
  aws = await mockedAwsApi();
  gateway = await serveApiGateway(aws.handler);
  certs = await mkdtemp(join(process.cwd(), ".tmp", "certs-"));
});
afterAll(async () => {
  await gateway?.close();
  aws?.close();
  if (certs) await rm(certs, { recursive: true, force: true });
});

function devices(args: string[], token = API_TOKEN) {
  return runCaptured(["devices", ...args, "--url", gateway.url, "--api-token", token]);
}

describe("fleetline devices against the query API on AWS", () => {
  it("registers a thing and writes its certificate and key where simulate --target aws reads them", async () => {
    const added = await devices(["add", "test_fs-cli-1", "--type", "freestyle", "--certs", certs]);
    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    expect(added.out).toMatch(
      /^registered test_fs-cli-1 \(freestyle\)\ncertificate arn:aws:iot:.*:cert\/[0-9a-f]+\n/,
    );
    expect(await readFile(join(certs, "test_fs-cli-1.cert.pem"), "utf8")).toContain("BEGIN CERTIFICATE");
    expect(await readFile(join(certs, "test_fs-cli-1.private.key"), "utf8")).toContain("PRIVATE KEY");
    expect((await stat(join(certs, "test_fs-cli-1.private.key"))).mode & 0o777).toBe(0o600);
    expect(aws.iot.things.get("test_fs-cli-1")?.attributes).toMatchObject({
      type: "freestyle",
      fleet: "test-fleetline",
    });

    expect((await devices(["list", "--json"])).out).toContain('"thing":"test_fs-cli-1"');
    expect(await devices(["remove", "test_fs-cli-1"])).toMatchObject({
      code: 0,
      out: "removed test_fs-cli-1\n",
    });
    expect(aws.iot.things.has("test_fs-cli-1")).toBe(false);
  });

  it("says what the API refused, in one line", async () => {
    expect(await devices(["list"], "wrong")).toEqual({
      code: 1,
      out: "",
      err: "fleetline devices: send Authorization: Bearer <api token>\n",
    });
  });
});
