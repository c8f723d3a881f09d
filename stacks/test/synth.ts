import type { Template } from "aws-cdk-lib/assertions";
import { type SstCommand, sst } from "./sst-run.js";

/**
 * Every stack's template of the app `sst build --stage <stage>` (or `sst diff --dev`, dev mode)
 * synthesizes with these settings; a build that fails fails here, with what SST printed.
 */
export async function templatesOf(
  stage: string,
  settings: Record<string, string | undefined> = {},
  command: SstCommand = "build",
): Promise<Record<string, Template>> {
  const run = await sst(command, stage, settings);
  if (run.code !== 0) throw new Error(`sst ${command} --stage ${stage} exited ${run.code}:\n${run.output}`);
  if (run.refused.length > 0) throw new Error(`sst ${command} made AWS calls: ${run.refused.join(", ")}`);
  return run.templates;
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are asserted field by field.
export type Props = Record<string, any>;
export type Resources = Record<string, { Type: string; Properties: Props }>;

/** The properties of every resource of a type, across the stacks. */
export const resourcesOf = (type: string, from: Record<string, Template>): Props[] =>
  Object.values(from).flatMap((t) =>
    Object.values(t.findResources(type) as Resources).map((r) => r.Properties),
  );
