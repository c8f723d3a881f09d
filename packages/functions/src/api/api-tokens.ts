import { fleetlineError } from "@fleetline/core/common";

/** A stage's API token; an empty or guessable one would leave the API open to anyone with its URL. */
export function checkedApiToken(token: string | undefined, secret = "API_TOKEN"): string {
  if (token === undefined || token.length < 16)
    throw fleetlineError(
      "CONFIG_INVALID",
      `the ${secret} secret must be at least 16 characters: npx sst secrets set ${secret} "$(openssl rand -hex 32)"`,
    );
  return token;
}

/**
 * The stage's tokens, secrets set with `npx sst secrets set …` and bound by the stack: the
 * operator's API_TOKEN may do anything, API_VIEWER_TOKEN only read.
 */
export function stageApiTokens(secrets: Record<string, string | undefined>) {
  return {
    apiToken: checkedApiToken(secrets.API_TOKEN, "API_TOKEN"),
    viewerToken: checkedApiToken(secrets.API_VIEWER_TOKEN, "API_VIEWER_TOKEN"),
  };
}
