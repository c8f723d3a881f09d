import { AthenaClient } from "@aws-sdk/client-athena";
import { freestyleRecord } from "@fleetline/core/contract";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDbLatestTelemetry } from "../../src/adapters/dynamodb-latest-telemetry.js";
import { mockedAwsApi } from "../mocked-aws-api.js";

/**
 * The API Lambda's entry point on a lake stage — the settings the Api stack gives it there —
 * with Athena mocked, and each of `things` given a newest record by the store function (the API
 * answers 404 for a thing without).
 */
export async function mockedLakeApi(things: string[]) {
  const athena = mockClient(AthenaClient);
  const aws = await mockedAwsApi({
    FLEETLINE_TELEMETRY: "lake",
    ATHENA_WORKGROUP: "test-fleetline",
    LAKE_DATABASE: "test_fleetline",
    LAKE_TABLE: "telemetry",
    LATEST_TABLE: "latest",
  });
  const latest = new DynamoDbLatestTelemetry(aws.dynamo.documents, "latest");
  await latest.keep(things.flatMap((thing) => [freestyleRecord(thing, 1), freestyleRecord(thing, 2)]));
  return {
    aws,
    athena,
    close() {
      aws.close();
      athena.restore();
    },
  };
}
