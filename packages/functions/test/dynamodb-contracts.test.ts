import {
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describePresenceStoreContract,
  describeQuarantineContract,
} from "@fleetline/core/contract";
import { afterAll, expect } from "vitest";
import { DynamoDbAlertStore } from "../src/adapters/dynamodb-alert-store.js";
import { DynamoDbCommandLedger } from "../src/adapters/dynamodb-command-ledger.js";
import { DynamoDbPresenceStore } from "../src/adapters/dynamodb-presence-store.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { fakeDynamoDb } from "./fake-dynamodb.js";

// The same contract suites the DuckDB adapters pass, against DynamoDB's semantics (mocked). After
// each case: the adapter read by key only, never a Scan (the double refuses one anyway).
const dynamo = fakeDynamoDb();
afterAll(() => dynamo.restore());

const fixture = <T>(adapter: T) => {
  dynamo.reset();
  dynamo.calls.length = 0;
  return Promise.resolve({
    ...adapter,
    close: async () => {
      expect(dynamo.calls).not.toContain("Scan");
      dynamo.reset();
    },
  });
};

describeQuarantineContract("DynamoDbQuarantine (mocked DynamoDB)", () =>
  fixture({ quarantine: new DynamoDbQuarantine(dynamo.documents, "quarantine") }),
);
describeAlertStoreContract("DynamoDbAlertStore (mocked DynamoDB)", () =>
  fixture({ alerts: new DynamoDbAlertStore(dynamo.documents, "alarms") }),
);
describePresenceStoreContract("DynamoDbPresenceStore (mocked DynamoDB)", () =>
  fixture({ store: new DynamoDbPresenceStore(dynamo.documents, "presence") }),
);
describeCommandLedgerContract("DynamoDbCommandLedger (mocked DynamoDB)", () =>
  fixture({ ledger: new DynamoDbCommandLedger(dynamo.documents, "commands") }),
);
