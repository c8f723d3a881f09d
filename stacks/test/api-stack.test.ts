import { REDRIVE_ROUND_BUDGET_MS, REDRIVE_ROUTES } from "@fleetline/core/pipeline";
import { API_SETTINGS, REDRIVE_SETTINGS } from "@fleetline/functions";
import { describe, expect, it } from "vitest";
import { API_THROTTLE } from "../Api.js";
import { actionsOf, all, statementsOf, useSynthesizedStage } from "./synthesized-stage.js";

useSynthesizedStage();

describe("the AWS stacks, synthesized: the query API", () => {
  it("serve the query API from one function behind an HTTP API, with every setting it reads, the tokens checked by an authorizer that alone holds the secrets", () => {
    const [api] = all("AWS::ApiGatewayV2::Api");
    expect(api).toMatchObject({
      ProtocolType: "HTTP",
      CorsConfiguration: { AllowHeaders: ["authorization", "content-type"], AllowOrigins: ["*"] },
    });
    const [integration] = all("AWS::ApiGatewayV2::Integration");
    expect(integration).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
    const fn = all("AWS::Lambda::Function").find(
      (f) => f.Environment?.Variables?.DEVICE_POLICY !== undefined,
    );
    const variables = fn?.Environment.Variables ?? {};
    // Lambda sets AWS_REGION itself.
    for (const name of API_SETTINGS.filter((n) => n !== "AWS_REGION"))
      expect(variables, name).toHaveProperty(name);
    expect(fn).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"] });
    // Only the authorizer is bound to the secrets: no other function reads SSM.
    const bound = all("AWS::Lambda::Function").filter(
      (f) => f.Environment?.Variables?.SST_Secret_value_API_TOKEN !== undefined,
    );
    expect(bound.map((f) => f.Handler)).toEqual(["packages/functions/src/entry-points/authorizer.handler"]);
    expect(bound[0]?.Environment.Variables.SST_Secret_value_API_VIEWER_TOKEN).toBe("__FETCH_FROM_SSM__");
    const [authorizer] = all("AWS::ApiGatewayV2::Authorizer");
    expect(authorizer).toMatchObject({
      AuthorizerType: "REQUEST",
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 300,
      IdentitySource: ["$request.header.Authorization"],
    });
    // Every route but the health check goes through it.
    const routes = all("AWS::ApiGatewayV2::Route");
    expect(routes.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual([
      ["$default", "CUSTOM"],
      ["GET /healthz", "NONE"],
      ["POST /api/redrive/{source}", "CUSTOM"],
    ]);
  });

  it("let the query API read and register, but write only alarms, their commands and shadows", () => {
    const actions = statementsOf("Api", "ApiFunction").flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        "athena:StartQueryExecution",
        "cloudwatch:GetMetricData",
        "iot:CreateThing",
        "iot:UpdateThingShadow",
      ]),
    );
    expect(actions).not.toContain("firehose:PutRecordBatch");
    expect(actions).not.toContain("kinesis:PutRecords");
    expect(actions).not.toContain("lambda:InvokeFunction");
    expect(actions.filter((a) => a.startsWith("sqs:"))).toEqual(["sqs:GetQueueAttributes"]);
  });

  it("let the query API read the stage's jobs and their thing groups only, and list the account's jobs (which it filters)", () => {
    const statements = statementsOf("Api", "ApiFunction");
    const scopeOf = (action: string) =>
      JSON.stringify(statements.filter((s) => actionsOf(s).includes(action)).map((s) => s.Resource));
    for (const action of ["iot:DescribeJob", "iot:GetJobDocument", "iot:ListJobExecutionsForJob"])
      expect(scopeOf(action), action).toMatch(/:job\/test_\*/);
    expect(scopeOf("iot:ListThingsInThingGroup")).toMatch(/:thinggroup\/test_\*/);
    expect(scopeOf("iot:ListJobExecutionsForThing")).toMatch(/:thing\/test_\*/);
    expect(scopeOf("iot:ListJobs")).toBe('["*"]');
    const actions = statements.flatMap(actionsOf);
    for (const write of ["iot:CreateJob", "iot:CancelJob", "iot:DeleteJob", "iot:AddThingToThingGroup"])
      expect(actions).not.toContain(write);
  });

  it("route the redrive to a function of its own, the only one that may invoke the stage's functions and write its raw stream", () => {
    expect(
      all("AWS::ApiGatewayV2::Route")
        .map((r) => r.RouteKey)
        .sort(),
    ).toEqual(["$default", "GET /healthz", REDRIVE_ROUTES.routeKey]);
    const statements = statementsOf("Api", "RedriveFunction");
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:PutRecords",
        "lambda:InvokeFunction",
        "dynamodb:Query",
        "dynamodb:DeleteItem",
      ]),
    );
    expect(actions).not.toContain("sqs:SendMessage");
    // A failed telemetry message goes back on the raw stream, not through AWS IoT.
    expect(actions.filter((a) => a.startsWith("iot:"))).toEqual([]);
    const resourcesOf = (action: string) =>
      statements
        .filter((s) => actionsOf(s).includes(action))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
        .map((r) => JSON.stringify(r));
    // Only the raw stream is written, only the stage's four functions invoked.
    const written = resourcesOf("kinesis:PutRecords");
    expect(written.length).toBeGreaterThan(0);
    for (const resource of written) expect(resource).toMatch(/Raw/);
    const invoked = resourcesOf("lambda:InvokeFunction").map(
      (r) => /GetAtt([A-Za-z]+?)[0-9A-F]{8}Arn/.exec(r)?.[1],
    );
    expect([...new Set(invoked)]).toEqual(["Validate", "Store", "AlertsFunction", "ConfirmFunction"]);
    const fn = all("AWS::Lambda::Function").find(
      (f) => f.Environment?.Variables?.REDRIVE_FUNCTIONS !== undefined,
    );
    for (const name of REDRIVE_SETTINGS) expect(fn?.Environment.Variables, name).toHaveProperty(name);
    expect(
      JSON.stringify(fn?.Environment.Variables.REDRIVE_FUNCTIONS).match(/Fn::ImportValue/g),
    ).toHaveLength(4);
    expect(fn).toMatchObject({ Timeout: 29 });
  });

  it("let a redrive round's last invocation finish inside the redrive function's timeout", () => {
    const timeoutOf = (name: string) =>
      all("AWS::Lambda::Function").find((f) =>
        String(f.Handler ?? JSON.stringify(f.Environment)).includes(`entry-points/${name}`),
      )?.Timeout as number;
    const slowest = Math.max(...["validate", "store", "alerts", "confirm"].map(timeoutOf));
    // An item started as the round's budget runs out may take the slowest function's whole timeout.
    expect(REDRIVE_ROUND_BUDGET_MS / 1000 + slowest).toBeLessThan(timeoutOf("redrive"));
    expect(REDRIVE_ROUND_BUDGET_MS).toBeGreaterThan(0);
  });

  it("throttle the HTTP API", () => {
    const [stage] = all("AWS::ApiGatewayV2::Stage");
    expect(stage?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: API_THROTTLE.rate,
      ThrottlingBurstLimit: API_THROTTLE.burst,
    });
  });
});
