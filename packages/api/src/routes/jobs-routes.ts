import type { ApiApp } from "../api-app.js";
import type { ApiContext } from "../api-context.js";
import { badParameter, HttpError } from "../http-error.js";

/**
 * AWS IoT Jobs for the dashboard (docs/reference/api.md): the jobs, one in full, a device's
 * executions — from the local Jobs service, or a stage's AWS IoT. An API without a jobs reader says
 * where jobs are instead.
 */
export function jobsRoutes(app: ApiApp, api: ApiContext): void {
  const reader = () => {
    if (!api.jobs)
      throw new HttpError(
        404,
        "NOT_FOUND",
        "this API reads no jobs: run fleetline jobs with --stage, or the AWS IoT console",
      );
    return api.jobs;
  };
  app.add("GET", "/api/jobs", async (request) => {
    const given = request.query.get("limit");
    const limit = given === null ? 100 : Number(given);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) throw badParameter("limit", "must be 1 to 250");
    return { status: 200, body: await reader().jobs(limit) };
  });
  app.add("GET", "/api/jobs/:jobId", async (request) => {
    const jobId = request.params.jobId as string;
    const job = await reader().job(jobId);
    if (!job) throw new HttpError(404, "NOT_FOUND", `no job named ${jobId}`);
    return { status: 200, body: job };
  });
  app.add("GET", "/api/devices/:thing/jobs", async (request) => ({
    status: 200,
    body: await reader().ofThing(request.params.thing as string),
  }));
}
