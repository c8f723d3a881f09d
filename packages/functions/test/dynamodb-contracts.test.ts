import {
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describeQuarantineContract,
} from "@fleetline/core/contract";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDbAlertStore } from "../src/adapters/dynamodb-alert-store.js";
import { DynamoDbCommandLedger } from "../src/adapters/dynamodb-command-ledger.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { fakeDynamoDb } from "./fake-dynamodb.js";

// The same contract suites the DuckDB adapters pass, against DynamoDB's semantics (mocked).
const dynamo = fakeDynamoDb();
const fixture = <T>(adapter: T) => {
  dynamo.reset();
  return Promise.resolve({ ...adapter, close: async () => dynamo.reset() });
};

describeQuarantineContract("DynamoDbQuarantine (mocked DynamoDB)", () =>
  fixture({ quarantine: new DynamoDbQuarantine(dynamo.documents, "quarantine") }),
);
describeAlertStoreContract("DynamoDbAlertStore (mocked DynamoDB)", () =>
  fixture({ alerts: new DynamoDbAlertStore(dynamo.documents, "alarms") }),
);
describeCommandLedgerContract("DynamoDbCommandLedger (mocked DynamoDB)", () =>
  fixture({ ledger: new DynamoDbCommandLedger(dynamo.documents, "commands") }),
);

describe("the DynamoDB adapters", () => {
  afterAll(() => dynamo.restore());

  it("read by key only: every contract above ran without a single Scan", () => {
    expect(dynamo.calls.length).toBeGreaterThan(100);
    expect(dynamo.calls).toContain("Query");
    expect(dynamo.calls).not.toContain("Scan");
  });
});
