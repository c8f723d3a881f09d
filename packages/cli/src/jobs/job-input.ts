import {
  AddThingToThingGroupCommand,
  type CreateJobCommandInput,
  CreateThingGroupCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
} from "@aws-sdk/client-iot";
import { MAX_JOB_TARGETS } from "@fleetline/core/aws";
import { isThingName } from "@fleetline/core/devices";
import type { Io } from "../io.js";
import { UsageError } from "../usage.js";
import type { ControlPlane, JobsTarget } from "./control-plane.js";

/** What `fleetline jobs create` is given, read and checked before it calls the control plane (docs/guide/jobs.md). */

export interface JobsOptions extends JobsTarget {
  json?: boolean;
}

export interface CreateOptions extends JobsOptions {
  document?: string;
  documentJson?: string;
  things?: string[];
  type?: string;
  group?: string;
  description?: string;
  rate?: number;
  baseRate?: number;
  incrementFactor?: number;
  increaseAfter?: number;
  abortAfter?: number;
  abortThreshold?: number;
  abortOn: string;
  timeout?: number;
  retries?: number;
  presignRole?: string;
  watch?: boolean;
}

export const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export function jobId(value: string): string {
  if (!JOB_ID.test(value))
    throw new UsageError(`a job id is 1–64 of letters, digits, _ and -, got "${value}" (e.g. fw-2-1-0)`);
  return value;
}

/** The job document: a file (`-` for stdin) or inline JSON, an object of at most 32 KB. */
export async function documentOf(options: CreateOptions, io: Io): Promise<string> {
  if ((options.document === undefined) === (options.documentJson === undefined))
    throw new UsageError(
      `give the job document with --document FILE or --document-json TEXT (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    );
  let text: string;
  if (options.documentJson !== undefined) text = options.documentJson;
  else {
    const path = options.document as string;
    try {
      text = new TextDecoder().decode(path === "-" ? await io.readStdin() : await io.readFile(path));
    } catch (error) {
      throw new UsageError(
        `--document: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      `the job document is not JSON (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError("the job document must be a JSON object");
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > 32_768)
    throw new UsageError(`the job document is ${bytes} bytes; AWS IoT takes at most 32768 (32 KB)`);
  return text;
}

/** Thing ARNs for the targets: the things named, or every registered thing of a type. */
export function checkTargets(options: CreateOptions): void {
  if (!options.things?.length && !options.type && !options.group)
    throw new UsageError(
      "give the targets with --things NAME…, --type robot|freestyle or --group NAME (e.g. --type robot)",
    );
  for (const name of options.things ?? [])
    if (!isThingName(name))
      throw new UsageError(`--things: "${name}" is not a thing name (e.g. --things rb-1 rb-2)`);
  if ((options.things?.length ?? 0) > MAX_JOB_TARGETS)
    throw new UsageError(
      `--things names ${options.things?.length} things; a job has at most ${MAX_JOB_TARGETS} targets (AWS IoT's limit): target more with --type or --group`,
    );
}

/** Every name a paged listing hands out. */
async function allPages(
  read: (nextToken: string | undefined) => Promise<{ names: string[]; nextToken?: string }>,
) {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read(nextToken);
    names.push(...page.names);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/**
 * The thing group `fleetline-{type}` (on a stage, with its prefix), created if need be and brought
 * up to date with every registered thing of the type: a job for more things than the 100 targets
 * AWS IoT allows targets the group.
 */
async function typeGroup(
  plane: ControlPlane,
  type: string,
  io: Io,
): Promise<{ arn: string; things: number }> {
  const ofType = await allPages(async (nextToken) => {
    const page = await plane.iot.send(
      new ListThingsCommand({ attributeName: "type", attributeValue: type, maxResults: 250, nextToken }),
    );
    return {
      names: (page.things ?? []).map((t) => t.thingName ?? "").filter((name) => plane.owns(name)),
      nextToken: page.nextToken,
    };
  });
  if (ofType.length === 0) throw new Error(`no ${type} thing to target`);
  const thingGroupName = plane.thingName(`fleetline-${type}`);
  const { thingGroupArn } = await plane.iot.send(
    new CreateThingGroupCommand({
      thingGroupName,
      thingGroupProperties: {
        thingGroupDescription: `every ${type} of the fleet, kept up to date by fleetline jobs create --type ${type}`,
      },
    }),
  );
  const members = new Set(
    await allPages(async (nextToken) => {
      const page = await plane.iot.send(
        new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 250, nextToken }),
      );
      return { names: page.things ?? [], nextToken: page.nextToken };
    }),
  );
  const missing = ofType.filter((thing) => !members.has(thing));
  if (missing.length > 0)
    io.stderr(
      `adding ${missing.length} ${type} thing(s) to the thing group ${plane.shown(thingGroupName)}\n`,
    );
  for (const thingName of missing)
    await plane.iot.send(new AddThingToThingGroupCommand({ thingGroupName, thingName }));
  return { arn: thingGroupArn as string, things: members.size + missing.length };
}

/** The job's targets (thing and thing group ARNs) and how many things they hold. */
export async function targetsOf(plane: ControlPlane, options: CreateOptions, io: Io) {
  const targets: string[] = [];
  let things = 0;
  for (const name of options.things ?? []) {
    const { thingArn } = await plane.iot.send(new DescribeThingCommand({ thingName: plane.thingName(name) }));
    targets.push(thingArn as string);
    things += 1;
  }
  if (options.group) {
    const thingGroupName = plane.thingName(options.group);
    const { thingGroupArn } = await plane.iot.send(new DescribeThingGroupCommand({ thingGroupName }));
    targets.push(thingGroupArn as string);
    things += (
      await allPages(async (nextToken) => {
        const page = await plane.iot.send(
          new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 250, nextToken }),
        );
        return { names: page.things ?? [], nextToken: page.nextToken };
      })
    ).length;
  }
  if (options.type) {
    const group = await typeGroup(plane, options.type, io);
    targets.push(group.arn);
    things += group.things;
  }
  return { targets: [...new Set(targets)], things };
}

export function configOf(options: CreateOptions): Partial<CreateJobCommandInput> {
  const config: Partial<CreateJobCommandInput> = {};
  if (options.rate !== undefined || options.baseRate !== undefined) {
    if (
      options.baseRate !== undefined &&
      (options.incrementFactor === undefined || options.increaseAfter === undefined)
    )
      throw new UsageError(
        "--base-rate needs --increment-factor and --increase-after (e.g. --base-rate 10 --increment-factor 2 --increase-after 50)",
      );
    if (options.incrementFactor !== undefined && options.incrementFactor < 1.1)
      throw new UsageError(
        `--increment-factor is 1.1 to 5, got ${options.incrementFactor} (e.g. --increment-factor 2)`,
      );
    config.jobExecutionsRolloutConfig = {
      ...(options.rate !== undefined ? { maximumPerMinute: options.rate } : {}),
      ...(options.baseRate !== undefined
        ? {
            exponentialRate: {
              baseRatePerMinute: options.baseRate,
              incrementFactor: options.incrementFactor as number,
              rateIncreaseCriteria: { numberOfNotifiedThings: options.increaseAfter as number },
            },
          }
        : {}),
    };
  }
  if ((options.abortAfter === undefined) !== (options.abortThreshold === undefined))
    throw new UsageError(
      "--abort-after and --abort-threshold go together (e.g. --abort-after 100 --abort-threshold 5)",
    );
  if (options.abortAfter !== undefined)
    config.abortConfig = {
      criteriaList: [
        {
          failureType: options.abortOn as "FAILED",
          action: "CANCEL",
          thresholdPercentage: options.abortThreshold as number,
          minNumberOfExecutedThings: options.abortAfter,
        },
      ],
    };
  if (options.timeout !== undefined) {
    const minutes = Math.round(options.timeout / 60_000);
    if (minutes < 1 || minutes > 10_080) throw new UsageError("--timeout is 1m to 7d (e.g. --timeout 30m)");
    config.timeoutConfig = { inProgressTimeoutInMinutes: minutes };
  }
  if (options.presignRole !== undefined) {
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(options.presignRole))
      throw new UsageError(
        `--presign-role is an IAM role ARN, got "${options.presignRole}" (e.g. the stage's JobsPresignRole output, arn:aws:iam::123456789012:role/prod-fleetline-JobsPresignRole)`,
      );
    config.presignedUrlConfig = { roleArn: options.presignRole, expiresInSec: 3600 };
  }
  if (options.retries !== undefined)
    config.jobExecutionsRetryConfig = {
      criteriaList: [{ failureType: "ALL", numberOfRetries: options.retries }],
    };
  return config;
}
