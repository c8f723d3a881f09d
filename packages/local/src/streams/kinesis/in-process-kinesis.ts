import { createRequire } from "node:module";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import * as Kinesis from "@aws-sdk/client-kinesis";

const require = createRequire(import.meta.url);

interface KinesaliteError {
  statusCode?: number;
  body?: { __type?: string; message?: string };
}
type Rules = { types: unknown; custom?: unknown };
type Action = (store: object, data: unknown, cb: (error: unknown, data?: unknown) => void) => void;
interface Validations {
  checkTypes(data: unknown, types: unknown): unknown;
  checkValidations(data: unknown, types: unknown, custom: unknown, operation: string): void;
}

/** The operations the runtime's own clients use (its producers and the event sources' readers). */
const OPERATIONS = ["PutRecords", "GetRecords", "GetShardIterator", "ListShards"] as const;
type Operation = (typeof OPERATIONS)[number];

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** What the SDK would put on the wire: blobs as base64, times as epoch seconds. */
function toWire(operation: Operation, input: Record<string, unknown>): Record<string, unknown> {
  if (operation === "PutRecords") {
    const records = input.Records as Array<Record<string, unknown>>;
    return {
      ...input,
      Records: records.map((r) => ({ ...r, Data: Buffer.from(r.Data as Uint8Array).toString("base64") })),
    };
  }
  if (operation === "GetShardIterator" && input.Timestamp instanceof Date)
    return { ...input, Timestamp: input.Timestamp.getTime() / 1000 };
  return input;
}

/** What the SDK would make of the answer: blobs as bytes, times as Dates. */
function fromWire(operation: Operation, output: Record<string, unknown>): Record<string, unknown> {
  if (operation !== "GetRecords") return output;
  const records = (output.Records ?? []) as Array<Record<string, unknown>>;
  return {
    ...output,
    Records: records.map((r) => ({
      ...r,
      Data: new Uint8Array(Buffer.from(r.Data as string, "base64")),
      ApproximateArrivalTimestamp: new Date((r.ApproximateArrivalTimestamp as number) * 1000),
    })),
  };
}

/** Kinesis's error as the SDK raises it: the exception class its `__type` names. */
function sdkError(error: KinesaliteError): Error {
  const type = error.body?.__type ?? "InternalFailure";
  const status = error.statusCode ?? 500;
  const message = error.body?.message ?? type;
  const $metadata = { httpStatusCode: status };
  const Exception = (Kinesis as unknown as Record<string, unknown>)[type];
  if (typeof Exception === "function" && type.endsWith("Exception"))
    return new (Exception as new (options: unknown) => Error)({ message, $metadata });
  return new Kinesis.KinesisServiceException({
    name: type,
    $fault: status >= 500 ? "server" : "client",
    $metadata,
    message,
  });
}

/**
 * The Kinesis stand-in called in the same process, for the runtime's own clients — the telemetry
 * rule's Kinesis action, the validate function's producer and the event sources' readers: the
 * same request validation and actions kinesalite runs behind its HTTP API, the same answers and
 * errors as the SDK gives (bytes, Dates, its exception classes), without HTTP, JSON and signing
 * for every call. Anything else keeps the HTTP API (`KinesisTwin.client`), as external clients do.
 */
export class InProcessKinesis {
  private readonly validations: Validations = require("kinesalite/validations");

  constructor(private readonly store: object) {}

  private readonly handlers = new Map<Operation, { rules: Rules; action: Action }>();

  /** An operation's validation rules and action, resolved once (not on every call). */
  private handler(operation: Operation): { rules: Rules; action: Action } {
    let found = this.handlers.get(operation);
    if (!found) {
      const name = lowerFirst(operation);
      found = {
        rules: require(`kinesalite/validations/${name}`) as Rules,
        action: require(`kinesalite/actions/${name}`) as Action,
      };
      this.handlers.set(operation, found);
    }
    return found;
  }

  /** The subset of KinesisClient the runtime's clients call. */
  asClient(): KinesisClient {
    return this as unknown as KinesisClient;
  }

  async send(command: { input: object; constructor: { name: string } }): Promise<unknown> {
    const operation = command.constructor.name.replace(/Command$/, "") as Operation;
    if (!OPERATIONS.includes(operation))
      throw new Error(`the in-process Kinesis client does not serve ${operation}`);
    const { rules, action: actionFn } = this.handler(operation);
    let data: unknown;
    try {
      data = this.validations.checkTypes(
        toWire(operation, command.input as Record<string, unknown>),
        rules.types,
      );
      this.validations.checkValidations(data, rules.types, rules.custom, operation);
    } catch (error) {
      if ((error as KinesaliteError).statusCode) throw sdkError(error as KinesaliteError);
      throw error;
    }
    const output = await new Promise<Record<string, unknown>>((resolve, reject) =>
      actionFn(this.store, data, (error, result) => {
        if (error) reject((error as KinesaliteError).statusCode ? sdkError(error as KinesaliteError) : error);
        else resolve((result ?? {}) as Record<string, unknown>);
      }),
    );
    return { ...fromWire(operation, output), $metadata: { httpStatusCode: 200 } };
  }
}
