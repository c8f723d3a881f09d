import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll } from "vitest";
import { type Props, type Resources, resourcesOf, templatesOf } from "./synth.js";

/** The stage's synthesized templates: one synthesis per test file that calls `useSynthesizedStage`. */
export let templates: Record<string, Template>;

export function useSynthesizedStage(): void {
  beforeAll(async () => {
    // A new stage, as on a new AWS account: the telemetry lake (FLEETLINE_TELEMETRY unset).
    templates = await templatesOf("test");
  }, 600_000);
}

export const all = (type: string, from?: Record<string, Template>): Props[] =>
  resourcesOf(type, from ?? templates);

export type Statement = { Action: string | string[]; Resource: unknown };
export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** The IAM statements of a stack's policies attached to the role of the function with this id. */
export const statementsOf = (stack: string, functionId: string): Statement[] =>
  Object.values(templates[stack]?.findResources("AWS::IAM::Policy") as Resources)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(functionId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
