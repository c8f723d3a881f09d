import type { ApiApp } from "@fleetline/api";
import { bodyOf, serve } from "../jobs/control-plane-routes.js";
import type { ProvisioningControlPlane } from "./provisioning-control-plane.js";

/**
 * AWS IoT's provisioning-template and claim operations, path for path, beside the Jobs ones at the
 * runtime's `iotEndpoint`: docs/guide/provisioning.md.
 */
export function provisioningRoutes(app: ApiApp, plane: ProvisioningControlPlane): void {
  app.add(
    "POST",
    "/provisioning-templates",
    serve((r) => plane.create(bodyOf(r))),
  );
  app.add(
    "GET",
    "/provisioning-templates",
    serve(() => plane.list()),
  );
  app.add(
    "GET",
    "/provisioning-templates/:templateName",
    serve((r) => plane.describeTemplate(r.params.templateName as string)),
  );
  app.add(
    "DELETE",
    "/provisioning-templates/:templateName",
    serve((r) => plane.delete(r.params.templateName as string)),
  );
  app.add(
    "POST",
    "/provisioning-templates/:templateName/provisioning-claim",
    serve((r) => plane.createClaim(r.params.templateName as string)),
  );
}
