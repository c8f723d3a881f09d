import {
  describeAlertPublisherContract,
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describeCountersContract,
  describeDeadLetterQueueContract,
  describeFunctionInvokerContract,
  describeQuarantineContract,
  describeShadowGatewayContract,
  describeStreamReaderContract,
  describeTelemetryStoreContract,
  describeThingRegistryContract,
} from "@fleetline/core/contract";
import {
  MemoryAlertPublisher,
  MemoryAlertStore,
  MemoryCommandLedger,
  MemoryCounters,
  MemoryDeadLetterQueue,
  MemoryFunctionInvoker,
  MemoryQuarantine,
  MemoryShadowGateway,
  MemoryStreamReader,
  MemoryTelemetryStore,
  MemoryThingRegistry,
} from "../src/index.js";

// The in-memory ports behind the use cases' unit tests pass the suites the real adapters pass.
const closing = async () => undefined;

describeAlertStoreContract("MemoryAlertStore", async () => ({
  alerts: MemoryAlertStore.create(),
  close: closing,
}));
describeCommandLedgerContract("MemoryCommandLedger", async () => ({
  ledger: MemoryCommandLedger.create(),
  close: closing,
}));
describeQuarantineContract("MemoryQuarantine", async () => ({
  quarantine: MemoryQuarantine.create(),
  close: closing,
}));
describeCountersContract("MemoryCounters", async () => ({
  counters: MemoryCounters.create(),
  close: closing,
}));
describeDeadLetterQueueContract("MemoryDeadLetterQueue", async () => ({
  queue: MemoryDeadLetterQueue.create(),
  close: closing,
}));
describeFunctionInvokerContract("MemoryFunctionInvoker", async (functions) => ({
  invoker: MemoryFunctionInvoker.create(functions),
  close: closing,
}));
describeStreamReaderContract("MemoryStreamReader", async () => {
  const reader = MemoryStreamReader.create();
  const streamArn = "arn:aws:kinesis:eu-west-1:123456789012:stream/contract";
  const shardId = "shardId-000000000000";
  let next = 49_000_000_000n;
  return {
    reader,
    append: async (records) => {
      const sequenceNumbers = records.map((_, i) => String(next + 7n * BigInt(i + 1)));
      next += 7n * BigInt(records.length);
      reader.append(
        streamArn,
        shardId,
        records.map((record, i) => ({
          sequenceNumber: sequenceNumbers[i] as string,
          partitionKey: record.partitionKey,
          dataBase64: Buffer.from(record.data).toString("base64"),
          approximateArrivalTimestamp: 1_764_297_000_000 + i,
        })),
      );
      return { streamArn, shardId, sequenceNumbers };
    },
    close: closing,
  };
});
describeTelemetryStoreContract("MemoryTelemetryStore", async () => {
  const store = MemoryTelemetryStore.create();
  return { store, query: store, close: closing };
});
describeThingRegistryContract("MemoryThingRegistry", async () => ({
  registry: MemoryThingRegistry.create(),
  close: closing,
}));
describeShadowGatewayContract("MemoryShadowGateway", async () => ({
  shadows: MemoryShadowGateway.create(),
  close: closing,
}));
describeAlertPublisherContract("MemoryAlertPublisher", async () => {
  const publisher = MemoryAlertPublisher.create();
  return { publisher, published: async () => publisher.published, close: closing };
});
