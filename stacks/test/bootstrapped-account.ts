import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What SST v2 asks of an AWS account before it synthesizes, answered from this machine: the
 * caller's identity (STS GetCallerIdentity: the account the stacks are built for) and the two
 * bootstrap stacks (CloudFormation DescribeStacks of CDKToolkit and SSTBootstrap, as a
 * bootstrapped account has them; SST reads their bucket and version). `sst diff` also asks for
 * each stack's deployed template: none is deployed here. Any other call — anything that would
 * create or change something — is refused and recorded, so a test sees it.
 */
export interface BootstrappedAccount {
  /** The environment that points the AWS SDK of an SST command at this account. */
  readonly env: Record<string, string>;
  /** Every call that was refused, as `Action` names. */
  readonly refused: string[];
  close(): Promise<void>;
}

export const ACCOUNT = "123456789012";
/** SST v2's bootstrap stack version that `sst` accepts as up to date (its bootstrap.js). */
const SST_BOOTSTRAP_VERSION = "7.4";
const CDK_BOOTSTRAP_VERSION = "28";

const STS = "https://sts.amazonaws.com/doc/2011-06-15/";
const CLOUDFORMATION = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

const stack = (name: string, outputs: Record<string, string>) =>
  `<member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/${name}/1</StackId>` +
  `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${Object.entries(
    outputs,
  )
    .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
    .join("")}</Outputs></member>`;

const BOOTSTRAP_STACKS: Record<string, string> = {
  CDKToolkit: stack("CDKToolkit", {
    BootstrapVersion: CDK_BOOTSTRAP_VERSION,
    BucketName: `cdk-hnb659fds-assets-${ACCOUNT}-eu-west-1`,
  }),
  SSTBootstrap: stack("SSTBootstrap", {
    Version: SST_BOOTSTRAP_VERSION,
    BucketName: `sstbootstrap-${ACCOUNT}`,
  }),
};

type Answer = { status: number; body: string };

const error = (ns: string, code: string, message: string): Answer => ({
  status: 400,
  body: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
});

function answer(form: URLSearchParams, refused: string[]): Answer {
  const action = form.get("Action") ?? "";
  if (action === "GetCallerIdentity")
    return {
      status: 200,
      body: `<GetCallerIdentityResponse xmlns="${STS}"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/fleetline-test</Arn><UserId>AIDALOCAL</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    };
  const name = form.get("StackName") ?? "";
  if (action === "DescribeStacks" && BOOTSTRAP_STACKS[name])
    return {
      status: 200,
      body: `<DescribeStacksResponse xmlns="${CLOUDFORMATION}"><DescribeStacksResult><Stacks>${BOOTSTRAP_STACKS[name]}</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    };
  if (action === "GetTemplate" || action === "DescribeStacks")
    return error(CLOUDFORMATION, "ValidationError", `Stack with id ${name} does not exist`);
  refused.push(action);
  return error(CLOUDFORMATION, "AccessDenied", `${action} is not answered offline`);
}

/** Starts the account on a free port of this machine. */
export async function bootstrappedAccount(): Promise<BootstrappedAccount> {
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { status, body } = answer(new URLSearchParams(Buffer.concat(chunks).toString("utf8")), refused);
      res.writeHead(status, { "content-type": "text/xml" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: {
      AWS_ACCESS_KEY_ID: "AKIALOCALTEST",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_STS: url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: url,
    },
    refused,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
