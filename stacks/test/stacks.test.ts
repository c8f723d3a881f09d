import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CONFIRMATION_RULE_NAME,
  CONFIRMATION_RULE_SQL,
  EVENT_SOURCE,
  PRESENCE_RULE_SQL,
  SWEEP_SCHEDULE,
  stageConfirmationRule,
  stagePresenceRule,
  stageTelemetryRule,
  TELEMETRY_PARTITION_KEY,
  TELEMETRY_RULE_SQL,
} from "@fleetline/core/pipeline";
import { DYNAMODB_TABLES } from "@fleetline/functions/tables";
import { describe, expect, it } from "vitest";
import type { Props, Resources } from "./synth.js";
import {
  actionsOf,
  all,
  type Statement,
  statementsOf,
  templates,
  useSynthesizedStage,
} from "./synthesized-stage.js";

useSynthesizedStage();

describe("the AWS stacks, synthesized", () => {
  it("deploy the rule SQL and partition key of core, for this stage's things only, and never match everything", () => {
    const rule = all("AWS::IoT::TopicRule").find((r) => r.TopicRulePayload.Sql.includes("dt/fleetline"));
    expect(rule?.TopicRulePayload.Sql).toBe(stageTelemetryRule("test_").sql);
    expect(rule?.TopicRulePayload.Sql).toBe(`${TELEMETRY_RULE_SQL} WHERE startswith(topic(4), 'test_')`);
    expect(rule?.TopicRulePayload.Sql).not.toContain("FROM '#'");
    expect(rule?.TopicRulePayload.Actions[0].Kinesis.PartitionKey).toBe(TELEMETRY_PARTITION_KEY);
    expect(TELEMETRY_PARTITION_KEY).toBe("${topic(4)}");
    expect(rule?.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
  });

  it("give every stream consumer the event-source settings of core's EVENT_SOURCE, and its dead-letter queue", () => {
    const mappings = all("AWS::Lambda::EventSourceMapping");
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      expect(mapping).toMatchObject({
        BatchSize: EVENT_SOURCE.batchSize,
        MaximumBatchingWindowInSeconds: 1,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 3600,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        StartingPosition: "TRIM_HORIZON",
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
    }
    const consumers = all("AWS::Lambda::Function").filter((f) =>
      ["validate", "store", "alerts"].some((name) =>
        String(f.Handler ?? JSON.stringify(f.Environment)).includes(`entry-points/${name}`),
      ),
    );
    for (const fn of consumers) expect(fn.Environment.Variables).toHaveProperty("DEAD_LETTER_QUEUE_URL");
    expect(all("AWS::CloudWatch::Alarm").filter((a) => a.MetricName === "IteratorAge")).toHaveLength(3);
  });

  it("let devices do exactly what the local broker allows, by thing name, and nothing with iot:*", () => {
    const [policy] = all("AWS::IoT::Policy");
    const text = JSON.stringify(policy?.PolicyDocument);
    expect(text).toContain("${iot:Connection.Thing.ThingName}");
    expect(text).toContain(
      "topic/dt/fleetline/${iot:Connection.Thing.Attributes[type]}/${iot:Connection.Thing.ThingName}/telemetry",
    );
    expect(text).not.toMatch(/"iot:\*"/);
    expect(policy?.PolicyDocument.Statement.map((s: { Action: string[] }) => s.Action[0])).toEqual([
      "iot:Connect",
      "iot:Publish",
      "iot:RetainPublish",
      "iot:Subscribe",
      "iot:Receive",
    ]);
    // Retained only on its own telemetry topic.
    const retain = policy?.PolicyDocument.Statement.find(
      (s: { Action: string[] }) => s.Action[0] === "iot:RetainPublish",
    );
    expect(JSON.stringify(retain?.Resource)).toContain(
      "topic/dt/fleetline/${iot:Connection.Thing.Attributes[type]}/${iot:Connection.Thing.ThingName}/telemetry",
    );
    expect(retain?.Resource).toHaveLength(1);
  });

  it("let devices take their own jobs, and give AWS IoT Jobs a private updates bucket and a role to presign its objects", () => {
    const [policy] = all("AWS::IoT::Policy");
    const text = JSON.stringify(policy?.PolicyDocument);
    expect(text).toContain("topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/start-next");
    expect(text).toContain("topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*/update");
    expect(text).toContain("topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/notify-next");
    const buckets = Object.entries(templates.Devices?.findResources("AWS::S3::Bucket") as Resources);
    expect(buckets).toHaveLength(1);
    const [bucketId, bucket] = buckets[0] as [string, { Properties: Props }];
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
    });
    const roles = Object.entries(templates.Devices?.findResources("AWS::IAM::Role") as Resources).filter(
      ([id]) => id.startsWith("JobsPresignRole"),
    );
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0] as [string, { Properties: Props }];
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain(
      '"Service":"iot.amazonaws.com"',
    );
    const statements = Object.values(templates.Devices?.findResources("AWS::IAM::Policy") as Resources)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements.map((s) => [actionsOf(s), JSON.stringify(s.Resource)])).toEqual([
      [["s3:GetObject"], expect.stringContaining(bucketId)],
    ]);
    expect(Object.keys(templates.Devices?.toJSON().Outputs ?? {})).toEqual(
      expect.arrayContaining(["DevicePolicy", "UpdatesBucket", "JobsPresignRole"]),
    );
  });

  it("provision devices by claim: the stage's template behind the hook, a role for its things only, a claim policy that only provisions", () => {
    const [template] = all("AWS::IoT::ProvisioningTemplate");
    expect(template).toMatchObject({
      TemplateName: "test-fleetline-fleet",
      Enabled: true,
      TemplateType: "FLEET_PROVISIONING",
      PreProvisioningHook: { PayloadVersion: "2020-04-01" },
    });
    const body = JSON.parse(template?.TemplateBody as string);
    expect(body.Resources.policy.Properties.PolicyName).toBe("test-fleetline-devices");
    expect(body.Resources.thing.Properties.AttributePayload).toEqual({
      type: { Ref: "DeviceType" },
      fleet: "test-fleetline",
    });
    const hooks = all("AWS::Lambda::Function").filter((f) => JSON.stringify(f).includes("provisioning-hook"));
    expect(hooks).toHaveLength(1);
    const roleStatements = Object.values(
      templates.Provisioning?.findResources("AWS::IAM::Policy") as Resources,
    )
      .filter((p) => JSON.stringify(p.Properties.Roles).includes("ProvisioningRole"))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const thingStatement = roleStatements.find((s) => actionsOf(s).includes("iot:CreateThing"));
    expect(JSON.stringify(thingStatement?.Resource)).toContain(":thing/test_*");
    const claim = all("AWS::IoT::Policy").find((p) => p.PolicyName === "test-fleetline-claim");
    const published = claim?.PolicyDocument.Statement.find(
      (s: { Action: string[] }) => s.Action[0] === "iot:Publish",
    );
    expect(JSON.stringify(published?.Resource)).toContain(
      "topic/$aws/provisioning-templates/test-fleetline-fleet/provision/json",
    );
    expect(JSON.stringify(claim?.PolicyDocument)).not.toContain("dt/fleetline");
    expect(JSON.stringify(claim?.PolicyDocument)).not.toContain("shadow");
  });

  it("grant no IAM action by wildcard", () => {
    const actions = all("AWS::IAM::Policy").flatMap((p) =>
      p.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
        Array.isArray(s.Action) ? s.Action : [s.Action],
      ),
    );
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
  });

  it("run the functions on nodejs22.x, arm64", () => {
    const functions = all("AWS::Lambda::Function").filter(
      (f) => f.Environment?.Variables?.SST_FUNCTION_ID !== undefined || f.Handler !== undefined,
    );
    const ours = functions.filter((f) =>
      JSON.stringify(f.Environment ?? {}).includes("POWERTOOLS_SERVICE_NAME"),
    );
    expect(ours).toHaveLength(10);
    for (const fn of ours) expect(fn).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"] });
  });

  it("give every function its stage, for the counters' stage dimension", () => {
    const ours = all("AWS::Lambda::Function").filter((f) =>
      JSON.stringify(f.Environment ?? {}).includes("POWERTOOLS_SERVICE_NAME"),
    );
    for (const fn of ours) expect(fn.Environment.Variables.FLEETLINE_STAGE).toBe("test");
  });

  it("publish the dashboard as a static site on a private bucket behind CloudFront, pointed at the API", () => {
    expect(all("AWS::CloudFront::Distribution")).toHaveLength(1);
    const buckets = Object.values(templates.Web?.findResources("AWS::S3::Bucket") as Resources);
    expect(buckets[0]?.Properties.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(Object.keys(templates.Api?.toJSON().Outputs ?? {})).toEqual(expect.arrayContaining(["ApiUrl"]));
    expect(Object.keys(templates.Web?.toJSON().Outputs ?? {})).toEqual(
      expect.arrayContaining(["DashboardUrl"]),
    );
    // Built with a placeholder that the deployment replaces with the API's endpoint.
    const [upload] = all("Custom::S3Uploader");
    expect(upload?.replaceValues).toContainEqual({
      files: "**/*.js",
      search: "{{ VITE_API_URL }}",
      // The Api stack's endpoint, imported into the Web stack.
      replace: { "Fn::ImportValue": expect.stringMatching(/ApiEndpoint/) },
    });
    const assets = join(process.cwd(), "packages/web/dist-aws/assets");
    const scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
    expect(
      scripts.some((name) => readFileSync(join(assets, name), "utf8").includes("{{ VITE_API_URL }}")),
    ).toBe(true);
  });

  it("confirm commands from shadow documents: this stage's update/documents → the confirm function", () => {
    const rule = all("AWS::IoT::TopicRule").find((r) => r.TopicRulePayload.Sql.includes("update/documents"));
    expect(rule?.TopicRulePayload.Sql).toBe(stageConfirmationRule("test_").sql);
    expect(rule?.TopicRulePayload.Sql).toBe(`${CONFIRMATION_RULE_SQL} WHERE startswith(topic(3), 'test_')`);
    expect(rule?.RuleName).toBe(`test_fleetline_${CONFIRMATION_RULE_NAME}`);
    const action = rule?.TopicRulePayload.Actions[0].Lambda.FunctionArn;
    expect(JSON.stringify(action)).toMatch(/ConfirmFunction/);
    expect(rule?.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
    const permission = all("AWS::Lambda::Permission").find(
      (p) =>
        p.Principal === "iot.amazonaws.com" && JSON.stringify(p.FunctionName).includes("ConfirmFunction"),
    );
    expect(permission).toMatchObject({ Action: "lambda:InvokeFunction" });
    expect(JSON.stringify(permission?.SourceArn)).toMatch(/ConfirmationRule/);
    // Lambda's asynchronous retries, then the dead-letter queue.
    const invokeConfigs = all("AWS::Lambda::EventInvokeConfig");
    expect(invokeConfigs).toHaveLength(2);
    for (const invokeConfig of invokeConfigs)
      expect(invokeConfig).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
  });

  it("keep each device's presence: this stage's lifecycle events → the presence function → its table", () => {
    const rule = all("AWS::IoT::TopicRule").find((r) =>
      r.TopicRulePayload.Sql.includes("$aws/events/presence"),
    );
    expect(rule?.TopicRulePayload.Sql).toBe(stagePresenceRule("test_").sql);
    expect(rule?.TopicRulePayload.Sql).toBe(`${PRESENCE_RULE_SQL} WHERE startswith(clientId, 'test_')`);
    expect(rule?.RuleName).toBe("test_fleetline_presence");
    expect(JSON.stringify(rule?.TopicRulePayload.Actions[0].Lambda.FunctionArn)).toMatch(/PresenceFunction/);
    expect(rule?.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
    const permission = all("AWS::Lambda::Permission").find(
      (p) =>
        p.Principal === "iot.amazonaws.com" && JSON.stringify(p.FunctionName).includes("PresenceFunction"),
    );
    expect(JSON.stringify(permission?.SourceArn)).toMatch(/PresenceRule/);
    const statements = statementsOf("Alerts", "PresenceFunction");
    expect(JSON.stringify(statements)).toMatch(/Presence/);
    expect(statements.flatMap(actionsOf)).toContain("dynamodb:PutItem");
    // A thing's type, for the OFFLINE alarm: this stage's things only.
    const iotStatements = statements.filter((st) => actionsOf(st).some((a) => a.startsWith("iot:")));
    expect(iotStatements.flatMap(actionsOf)).toEqual(["iot:DescribeThing"]);
    expect(JSON.stringify(iotStatements.map((st) => st.Resource))).toMatch(/thing\/test_\*/);
    // The sweep reads the presences for the OFFLINE alarm.
    expect(JSON.stringify(statementsOf("Alerts", "SweepFunction"))).toMatch(/Presence/);
  });

  it("run the sweep on an EventBridge schedule, every minute", () => {
    const schedules = all("AWS::Events::Rule");
    expect(schedules).toEqual([expect.objectContaining({ ScheduleExpression: SWEEP_SCHEDULE.rate })]);
    expect(SWEEP_SCHEDULE.rate).toBe("rate(1 minute)");
    expect(JSON.stringify(schedules[0]?.Targets)).toMatch(/SweepFunction/);
  });

  it("create the tables with the keys, indexes and TTL the adapters query, and nothing to scan", () => {
    const tables = Object.entries(templates.Storage?.findResources("AWS::DynamoDB::Table") as Resources);
    expect(tables).toHaveLength(5);
    for (const [id, schema] of [
      ["Alarms", DYNAMODB_TABLES.alarms],
      ["Commands", DYNAMODB_TABLES.commands],
      ["Quarantine", DYNAMODB_TABLES.quarantine],
      ["Presence", DYNAMODB_TABLES.presence],
      ["Latest", DYNAMODB_TABLES.latest],
    ] as const) {
      const table = tables.find(([logicalId]) => logicalId.startsWith(id))?.[1].Properties;
      expect(table, id).toBeDefined();
      expect(
        table?.KeySchema.map((k: { AttributeName: string }) => k.AttributeName),
        id,
      ).toEqual([schema.key.partition, "sort" in schema.key ? schema.key.sort : undefined].filter(Boolean));
      expect(table?.TimeToLiveSpecification, id).toEqual({ AttributeName: "ttl", Enabled: true });
      const indexes = Object.fromEntries(
        (table?.GlobalSecondaryIndexes ?? []).map(
          (index: { IndexName: string; KeySchema: Array<{ AttributeName: string; KeyType: string }> }) => [
            index.IndexName,
            index.KeySchema.map((k) => k.AttributeName),
          ],
        ),
      );
      expect(indexes, id).toEqual(
        Object.fromEntries(
          Object.entries(schema.indexes).map(([name, keys]) => [
            name,
            [keys.partition, ...("sort" in keys && keys.sort ? [keys.sort] : [])],
          ]),
        ),
      );
    }
  });
});
