import { isDeviceType, isThingName } from "@fleetline/core";
import { badParameter, HttpError } from "../http/http-error.js";
import type { Router } from "../http/router.js";
import type { ApiContext } from "./api-context.js";

/** Device registration (SPEC §4): `POST|GET /api/things`, `DELETE /api/things/{thing}`. */
export function thingsRoutes(router: Router, api: ApiContext): void {
  router.add("POST", "/api/things", async (request) => {
    const body = request.body as { thing?: unknown; type?: unknown } | undefined;
    if (typeof body !== "object" || body === null)
      throw new HttpError(400, "INVALID_BODY", 'send JSON { "thing", "type" }');
    if (!isThingName(body.thing)) throw badParameter("thing", "must match [A-Za-z0-9_-]{1,64}");
    if (!isDeviceType(body.type)) throw badParameter("type", 'must be "freestyle" or "robot"');
    const created = await api.registry.register(body.thing, body.type, api.clock.now());
    return { status: 201, body: { thing: created.thing, type: created.type, token: created.token } };
  });
  router.add("GET", "/api/things", () => ({ status: 200, body: api.registry.list() }));
  router.add("DELETE", "/api/things/:thing", async (request) => {
    const thing = request.params.thing as string;
    if (!(await api.registry.remove(thing))) throw new HttpError(404, "NOT_FOUND", `no thing named ${thing}`);
    return { status: 204 };
  });
}
