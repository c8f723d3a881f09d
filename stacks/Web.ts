import { type StackContext, StaticSite, use } from "sst/constructs";
import { Api } from "./Api.js";

/** The dashboard as a static site on S3 + CloudFront, calling the stage's query API. */
export function Web({ stack }: StackContext) {
  const { api } = use(Api);
  const site = new StaticSite(stack, "Site", {
    path: "packages/web",
    // Its own output folder: the local dashboard in dist/ keeps calling its own origin.
    buildCommand: "npm run build:aws",
    buildOutput: "dist-aws",
    environment: { VITE_API_URL: api.url },
  });
  stack.addOutputs({ DashboardUrl: site.url });
  return { site };
}
