import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { systemClock } from "@fleetline/core/common";
import {
  describeAlertPublisherContract,
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describeCountersContract,
  describeDeadLetterQueueContract,
  describeFunctionInvokerContract,
  describeJobsReaderContract,
  describePresenceStoreContract,
  describeQuarantineContract,
  describeShadowGatewayContract,
  describeStreamReaderContract,
  describeTelemetryStoreContract,
  describeThingRegistryContract,
  type PublishedAlert,
} from "@fleetline/core/contract";
import { IotDataShadowGateway } from "@fleetline/functions";
import { KinesisStreamReader } from "@fleetline/functions/kinesis";
import mqtt from "mqtt";
import { MqttAlertPublisher } from "../src/iot/bus/mqtt-alert-publisher.js";
import { JobStore } from "../src/iot/jobs/job-store.js";
import { LocalJobsReader } from "../src/iot/jobs/local-jobs-reader.js";
import { CertificateAuthority } from "../src/iot/registry/certificate-authority.js";
import { DeviceRegistry } from "../src/iot/registry/device-registry.js";
import { LocalShadowGateway } from "../src/iot/shadows/local-shadow-gateway.js";
import { ShadowService } from "../src/iot/shadows/shadow-service.js";
import { ShadowStore } from "../src/iot/shadows/shadow-store.js";
import { BookkeepingJournal } from "../src/stores/bookkeeping-journal.js";
import { Database } from "../src/stores/database.js";
import { DuckDbAlertStore } from "../src/stores/duckdb-alert-store.js";
import { DuckDbCommandLedger } from "../src/stores/duckdb-command-ledger.js";
import { DuckDbPresenceStore } from "../src/stores/duckdb-presence-store.js";
import { DuckDbQuarantine } from "../src/stores/duckdb-quarantine.js";
import { DuckDbTelemetryStore } from "../src/stores/duckdb-telemetry-store.js";
import { JournalCounters } from "../src/stores/journal-counters.js";
import { streamArn } from "../src/streams/kinesis/kinesis-client.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { InvocationLog } from "../src/streams/lambda/invocation-log.js";
import { LocalFunctions } from "../src/streams/lambda/local-functions.js";
import { LocalQueues } from "../src/streams/queues/local-queues.js";
import { startBroker, startRuntime, waitFor } from "./helpers.js";

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
describeCountersContract("JournalCounters", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fleetline-counters-"));
  const journal = await BookkeepingJournal.open(join(dir, "bookkeeping.journal"));
  return {
    counters: new JournalCounters(journal),
    close: async () => {
      await journal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
describeThingRegistryContract("DeviceRegistry (DuckDB)", () =>
  withDb(async (db) => ({
    // Certificates signed by a CA of its own, as fleetline dev's registry has.
    registry: await DeviceRegistry.open(db, await CertificateAuthority.open(undefined)),
  })),
);
describeJobsReaderContract("LocalJobsReader (DuckDB)", () =>
  withDb(async (db) => {
    const store = await JobStore.open(db);
    return {
      reader: new LocalJobsReader(store),
      seed: async (jobs) => {
        for (const { executions, ...job } of jobs)
          await store.save(
            [
              {
                ...job,
                jobArn: `arn:aws:iot:us-east-1:000000000000:job/${job.jobId}`,
                targets: executions.map((e) => `arn:aws:iot:us-east-1:000000000000:thing/${e.thing}`),
                things: executions.map((e) => e.thing),
                targetSelection: "SNAPSHOT",
                rolledOut: executions.length,
                ratePerMinute: Number.POSITIVE_INFINITY,
                notifiedAtRateChange: 0,
                succeededAtRateChange: 0,
              },
            ],
            executions.map(({ thing, ...e }) => ({
              ...e,
              jobId: job.jobId,
              thingName: thing,
              statusDetails: {},
              versionNumber: 1,
            })),
          );
      },
    };
  }),
);
describePresenceStoreContract("DuckDbPresenceStore", () =>
  withDb(async (db) => ({ store: await DuckDbPresenceStore.open(db) })),
);
describeDeadLetterQueueContract("LocalQueues", () =>
  withDb(async (db) => ({ queue: (await LocalQueues.open(db)).queue("contract-dlq") })),
);
describeFunctionInvokerContract("LocalFunctions", async (definitions) => {
  const functions = new LocalFunctions(new InvocationLog());
  for (const [name, fn] of Object.entries(definitions))
    functions.define(name, (event: unknown) => fn(event), { trigger: "async", region: "us-east-1" });
  return { invoker: functions, close: async () => undefined };
});
// One reader on both targets (as the producer): here the Kinesis stand-in over HTTP, and the runtime's in-process client.
for (const via of ["HTTP", "in process"] as const)
  describeStreamReaderContract(`KinesisStreamReader (Kinesis stand-in, ${via})`, async () => {
    const kinesis = await KinesisStandIn.start({
      host: "127.0.0.1",
      port: 0,
      streams: ["contract"],
      shardCount: 2,
    });
    const client = via === "HTTP" ? kinesis.client : kinesis.inProcess;
    return {
      reader: new KinesisStreamReader(client),
      append: async (records) => {
        const { Records = [] } = await client.send(
          new PutRecordsCommand({
            StreamName: "contract",
            Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
          }),
        );
        return {
          streamArn: streamArn("contract"),
          shardId: Records[0]?.ShardId as string,
          sequenceNumbers: Records.map((r) => r.SequenceNumber as string),
        };
      },
      close: () => kinesis.close(),
    };
  });
describeAlertStoreContract("DuckDbAlertStore", () =>
  withDb(async (db) => ({ alerts: await DuckDbAlertStore.open(db) })),
);
describeCommandLedgerContract("DuckDbCommandLedger", () =>
  withDb(async (db) => ({ ledger: await DuckDbCommandLedger.open(db) })),
);

describeAlertPublisherContract("MqttAlertPublisher (local broker)", async () => {
  const fixture = await startBroker();
  const publisher = new MqttAlertPublisher(fixture.broker.source());
  const received: PublishedAlert[] = [];
  const observer = await mqtt.connectAsync(fixture.broker.mqttUrl, {
    ...fixture.broker.serviceCredentials,
    clientId: "observer",
    reconnectPeriod: 0,
  });
  await observer.subscribeAsync("alerts/fleetline/#", { qos: 1 });
  observer.on("message", (topic, payload) =>
    received.push({ topic, record: JSON.parse(payload.toString()) }),
  );
  return {
    publisher,
    published: async () => {
      await waitFor(() => received.length >= 2, "the published alerts");
      return received;
    },
    close: async () => {
      await observer.endAsync();
      await fixture.close();
    },
  };
});

describeShadowGatewayContract("LocalShadowGateway (the shadow service in-process)", () =>
  withDb(async (db) => {
    const service = new ShadowService(await ShadowStore.open(db), async () => undefined, systemClock);
    return { shadows: new LocalShadowGateway(service) };
  }),
);

describeShadowGatewayContract("IotDataShadowGateway (local IoT Data Plane REST API)", async () => {
  const runtime = await startRuntime();
  const client = new IoTDataPlaneClient({
    endpoint: runtime.urls.http,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    shadows: new IotDataShadowGateway(client),
    close: async () => {
      client.destroy();
      await runtime.stop();
    },
  };
});
