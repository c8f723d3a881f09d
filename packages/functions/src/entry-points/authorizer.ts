import { roleOfToken } from "@fleetline/api/callers";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { Config } from "sst/node/config";
import { stageApiTokens } from "../api/api-tokens.js";

// The stage's secrets, read from SSM once per cold start: only this function holds them.
const tokens = stageApiTokens(Config as unknown as Record<string, string | undefined>);

/**
 * The query API's Lambda authorizer (API Gateway HTTP API, simple responses; docs/guide/security.md):
 * says whose token a request carries — the operator's, the viewer's, or nobody's — and API Gateway
 * hands that to the api and redrive functions, caching it per token for 5 minutes. It lets every
 * request through: the functions answer 401 and 403 with the API's own error bodies, as locally.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2) {
  return {
    isAuthorized: true,
    context: { role: roleOfToken(event.headers?.authorization, tokens) ?? "none" },
  };
}
