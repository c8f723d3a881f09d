import {
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describeCountersContract,
  describeDeadLetterQueueContract,
  describeQuarantineContract,
  describeTelemetryStoreContract,
  describeThingRegistryContract,
} from "@fleetline/core/contract";
import { DuckDbAlertStore } from "../src/adapters/duckdb-alert-store.js";
import { DuckDbCommandLedger } from "../src/adapters/duckdb-command-ledger.js";
import { DuckDbCounters } from "../src/adapters/duckdb-counters.js";
import { DuckDbQuarantine } from "../src/adapters/duckdb-quarantine.js";
import { DuckDbTelemetryStore } from "../src/adapters/duckdb-telemetry-store.js";
import { LocalQueues } from "../src/queues/local-queues.js";
import { DeviceRegistry } from "../src/registry/device-registry.js";
import { Database } from "../src/state/database.js";

async function withDb<T>(open: (db: Database) => Promise<T>) {
  const db = await Database.open(":memory:");
  return { ...(await open(db)), close: () => db.close() };
}

describeTelemetryStoreContract("DuckDbTelemetryStore", () =>
  withDb(async (db) => {
    const store = await DuckDbTelemetryStore.open(db);
    return { store, query: store };
  }),
);
describeQuarantineContract("DuckDbQuarantine", () =>
  withDb(async (db) => ({ quarantine: await DuckDbQuarantine.open(db) })),
);
describeCountersContract("DuckDbCounters", () =>
  withDb(async (db) => ({ counters: await DuckDbCounters.open(db) })),
);
describeThingRegistryContract("DeviceRegistry (DuckDB)", () =>
  withDb(async (db) => ({ registry: await DeviceRegistry.open(db) })),
);
describeDeadLetterQueueContract("LocalQueues", () =>
  withDb(async (db) => ({ queue: (await LocalQueues.open(db)).queue("contract-dlq") })),
);
describeAlertStoreContract("DuckDbAlertStore", () =>
  withDb(async (db) => ({ alerts: await DuckDbAlertStore.open(db) })),
);
describeCommandLedgerContract("DuckDbCommandLedger", () =>
  withDb(async (db) => ({ ledger: await DuckDbCommandLedger.open(db) })),
);
