import { type CredentialKind, deviceTypeList, isDeviceType, isThingName } from "@fleetline/core/devices";
import type { ApiApp } from "../api-app.js";
import type { ApiContext } from "../api-context.js";
import { badParameter, HttpError } from "../http-error.js";

/**
 * Device registration (docs/reference/api.md): `POST|GET /api/things`, `DELETE /api/things/{thing}`. The 201
 * carries the credential once: a token locally, a certificate and private key on AWS IoT.
 */
export function thingsRoutes(app: ApiApp, api: ApiContext): void {
  app.add("POST", "/api/things", async (request) => {
    const body = request.body as { thing?: unknown; type?: unknown; credentials?: unknown } | undefined;
    if (typeof body !== "object" || body === null)
      throw new HttpError(400, "INVALID_BODY", 'send JSON { "thing", "type" }');
    if (!isThingName(body.thing)) throw badParameter("thing", "must match [A-Za-z0-9_-]{1,64}");
    if (!isDeviceType(body.type)) throw badParameter("type", `must be ${deviceTypeList()}`);
    const { credentials } = body;
    if (credentials !== undefined && credentials !== "token" && credentials !== "certificate")
      throw badParameter(
        "credentials",
        `must be "token" or "certificate", got ${JSON.stringify(credentials)}`,
      );
    if (await api.registry.get(body.thing))
      throw new HttpError(
        409,
        "CONFLICT",
        `thing ${body.thing} already exists${api.connected?.(body.thing) ? " and is connected" : ""}: remove it first (fleetline devices remove ${body.thing}), choose another name, or add a certificate to it (POST /api/things/${body.thing}/certificates)`,
      );
    const { createdAt: _, ...created } = await api.registry.register(
      body.thing,
      body.type,
      api.clock.now(),
      credentials as CredentialKind | undefined,
    );
    return { status: 201, body: created };
  });
  app.add("GET", "/api/things", async () => ({
    status: 200,
    body: (await api.registry.list()).map((thing) =>
      api.connected ? { ...thing, connected: api.connected(thing.thing) } : thing,
    ),
  }));
  // A thing may have several certificates, as on AWS IoT: another one, shown once.
  app.add("POST", "/api/things/:thing/certificates", async (request) => {
    const { createdAt: _, ...issued } = await api.registry.addCertificate(
      request.params.thing as string,
      api.clock.now(),
    );
    return { status: 201, body: issued };
  });
  app.add("DELETE", "/api/things/:thing", async (request) => {
    const thing = request.params.thing as string;
    if (!(await api.registry.remove(thing))) throw new HttpError(404, "NOT_FOUND", `no thing named ${thing}`);
    return { status: 204 };
  });
}
