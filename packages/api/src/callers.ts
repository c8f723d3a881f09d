import { timingSafeEqual } from "node:crypto";

/** Who may call the API: the operator (anything) or a viewer (reads only). */
export type CallerRole = "operator" | "viewer";

/** The stage's tokens: the operator's and the viewer's (docs/guide/security.md). */
export interface ApiTokens {
  apiToken?: string;
  viewerToken?: string;
}

function sameToken(given: Buffer, token: string | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whose token an `Authorization: Bearer <token>` header carries — the operator's, the viewer's, or
 * neither — compared in constant time. The app checks it locally; on AWS the API's Lambda
 * authorizer does, once per token for the authorizer cache's lifetime.
 */
export function roleOfToken(authorization: string | undefined, tokens: ApiTokens): CallerRole | undefined {
  const given = Buffer.from((authorization ?? "").replace(/^Bearer\s+/i, ""));
  if (sameToken(given, tokens.apiToken)) return "operator";
  if (sameToken(given, tokens.viewerToken)) return "viewer";
  return undefined;
}
