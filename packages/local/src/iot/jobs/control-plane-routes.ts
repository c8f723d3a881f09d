import type { ApiApp, Request, Response, RouteHandler } from "@fleetline/api";
import { controlPlaneStatus, type JsonObject } from "@fleetline/core/aws";
import type { ThingRegistry } from "@fleetline/core/devices";
import { ControlPlaneFailure } from "./control-plane-errors.js";
import type { JobsControlPlane } from "./jobs-control-plane.js";
import type { ThingGroupsControlPlane } from "./thing-groups-control-plane.js";

/** A control-plane answer, or its refusal as the AWS SDK reads one (`x-amzn-ErrorType`). */
export function serve(
  handler: (request: Request) => Promise<JsonObject | undefined> | JsonObject | undefined,
): RouteHandler {
  return async (request) => {
    try {
      const body = await handler(request);
      return { status: 200, body: body ?? {} } satisfies Response;
    } catch (error) {
      if (!(error instanceof ControlPlaneFailure)) throw error;
      return {
        status: controlPlaneStatus[error.error.type],
        headers: { "x-amzn-errortype": error.error.type },
        body: { message: error.error.message },
      };
    }
  };
}

export const bodyOf = (request: Request): Record<string, unknown> =>
  typeof request.body === "object" && request.body !== null && !Array.isArray(request.body)
    ? (request.body as Record<string, unknown>)
    : {};

const whole = (value: string | null): number | undefined => (value === null ? undefined : Number(value));
const optional = (value: string | null): string | undefined => value ?? undefined;

/**
 * The AWS IoT control plane's Jobs operations and the thing reads they need, path for path, so
 * `@aws-sdk/client-iot` works with `endpoint` set to the runtime's HTTP address (`iotEndpoint` in
 * `GET /api/info`): docs/guide/jobs.md.
 */
export function controlPlaneRoutes(
  app: ApiApp,
  jobs: JobsControlPlane,
  groups: ThingGroupsControlPlane,
  registry: ThingRegistry,
): void {
  app.add(
    "PUT",
    "/jobs/:jobId",
    serve((r) => jobs.createJob(r.params.jobId as string, bodyOf(r))),
  );
  app.add(
    "GET",
    "/jobs",
    serve((r) =>
      jobs.listJobs({
        status: optional(r.query.get("status")),
        targetSelection: optional(r.query.get("targetSelection")),
        maxResults: whole(r.query.get("maxResults")),
        nextToken: optional(r.query.get("nextToken")),
      }),
    ),
  );
  app.add(
    "GET",
    "/jobs/:jobId",
    serve((r) => jobs.describeJob(r.params.jobId as string)),
  );
  app.add(
    "GET",
    "/jobs/:jobId/job-document",
    serve((r) => jobs.getJobDocument(r.params.jobId as string)),
  );
  app.add(
    "PUT",
    "/jobs/:jobId/cancel",
    serve((r) => jobs.cancelJob(r.params.jobId as string, bodyOf(r), r.query.get("force") === "true")),
  );
  app.add(
    "DELETE",
    "/jobs/:jobId",
    serve(async (r) => {
      await jobs.deleteJob(r.params.jobId as string, r.query.get("force") === "true");
      return undefined;
    }),
  );
  app.add(
    "GET",
    "/jobs/:jobId/things",
    serve((r) =>
      jobs.listExecutionsForJob(r.params.jobId as string, {
        status: optional(r.query.get("status")),
        maxResults: whole(r.query.get("maxResults")),
        nextToken: optional(r.query.get("nextToken")),
      }),
    ),
  );
  app.add(
    "GET",
    "/things/:thing/jobs",
    serve((r) =>
      jobs.listExecutionsForThing(r.params.thing as string, {
        status: optional(r.query.get("status")),
        maxResults: whole(r.query.get("maxResults")),
        nextToken: optional(r.query.get("nextToken")),
        jobId: optional(r.query.get("jobId")),
      }),
    ),
  );
  app.add(
    "GET",
    "/things/:thing/jobs/:jobId",
    serve((r) =>
      jobs.describeExecution(
        r.params.thing as string,
        r.params.jobId as string,
        whole(r.query.get("executionNumber")),
      ),
    ),
  );
  app.add(
    "PUT",
    "/things/:thing/jobs/:jobId/cancel",
    serve(async (r) => {
      await jobs.cancelExecution(
        r.params.thing as string,
        r.params.jobId as string,
        bodyOf(r),
        r.query.get("force") === "true",
      );
      return undefined;
    }),
  );

  // Static thing groups: what a job for more than 100 things targets.
  const paging = (r: Request) => ({
    maxResults: whole(r.query.get("maxResults")),
    nextToken: optional(r.query.get("nextToken")),
  });
  app.add(
    "PUT",
    "/thing-groups/addThingToThingGroup",
    serve((r) => groups.add(bodyOf(r))),
  );
  app.add(
    "PUT",
    "/thing-groups/removeThingFromThingGroup",
    serve((r) => groups.remove(bodyOf(r))),
  );
  app.add(
    "GET",
    "/thing-groups",
    serve((r) => groups.list({ namePrefixFilter: optional(r.query.get("namePrefixFilter")), ...paging(r) })),
  );
  app.add(
    "POST",
    "/thing-groups/:thingGroupName",
    serve((r) => groups.create(r.params.thingGroupName as string, bodyOf(r))),
  );
  app.add(
    "GET",
    "/thing-groups/:thingGroupName",
    serve((r) => groups.describe(r.params.thingGroupName as string)),
  );
  app.add(
    "DELETE",
    "/thing-groups/:thingGroupName",
    serve(async (r) => {
      await groups.delete(r.params.thingGroupName as string);
      return undefined;
    }),
  );
  app.add(
    "GET",
    "/thing-groups/:thingGroupName/things",
    serve((r) => groups.thingsIn(r.params.thingGroupName as string, paging(r))),
  );
  app.add(
    "GET",
    "/things/:thing/thing-groups",
    serve((r) => groups.groupsOf(r.params.thing as string, paging(r))),
  );

  // The thing reads a Jobs backend makes: DescribeThing (its ARN for a target) and ListThings.
  app.add(
    "GET",
    "/things/:thing",
    serve(async (r) => {
      const name = r.params.thing as string;
      const thing = await registry.get(name);
      if (!thing)
        throw new ControlPlaneFailure({
          type: "ResourceNotFoundException",
          message: `Thing ${name} cannot be found.`,
        });
      return {
        defaultClientId: name,
        thingName: name,
        thingId: name,
        thingArn: jobs.arn.thing(name),
        attributes: { type: thing.type },
        version: 1,
      };
    }),
  );
  app.add(
    "GET",
    "/things",
    serve(async (r) => {
      const attributeName = r.query.get("attributeName");
      const attributeValue = r.query.get("attributeValue");
      const things = (await registry.list()).filter(
        (t) =>
          attributeName === null ||
          (attributeName === "type" && (attributeValue === null || t.type === attributeValue)),
      );
      const size = whole(r.query.get("maxResults")) ?? 100;
      const start = Number(r.query.get("nextToken") ?? 0) || 0;
      const slice = things.slice(start, start + size);
      return {
        things: slice.map((t) => ({
          thingName: t.thing,
          thingArn: jobs.arn.thing(t.thing),
          attributes: { type: t.type },
          version: 1,
        })),
        ...(start + size < things.length ? { nextToken: String(start + size) } : {}),
      };
    }),
  );
}
