import { describeTelemetryStoreContract } from "@fleetline/core/contract";
import { afterAll } from "vitest";
import { TimestreamTelemetryQuery } from "../src/adapters/timestream-telemetry-query.js";
import { TimestreamTelemetryStore } from "../src/adapters/timestream-telemetry-store.js";
import { fakeTimestream } from "./fake-timestream.js";

// The contract suite the DuckDB store passes, against Timestream's write rules and SQL (mocked).
const timestream = await fakeTimestream("test-fleetline", "telemetry");
afterAll(() => timestream.close());

describeTelemetryStoreContract(
  "TimestreamTelemetryStore + TimestreamTelemetryQuery (mocked Timestream)",
  async () => {
    timestream.reset();
    return {
      store: new TimestreamTelemetryStore(timestream.writeClient, {
        database: "test-fleetline",
        table: "telemetry",
      }),
      query: new TimestreamTelemetryQuery(timestream.queryClient, "test-fleetline", "telemetry"),
      close: async () => timestream.reset(),
    };
  },
  { countsReplays: false },
);
