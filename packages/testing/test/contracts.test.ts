import {
  describeAlertPublisherContract,
  describeAlertStoreContract,
  describeCommandLedgerContract,
  describeCountersContract,
  describeDeadLetterQueueContract,
  describeQuarantineContract,
  describeShadowGatewayContract,
  describeTelemetryStoreContract,
  describeThingRegistryContract,
} from "@fleetline/core/contract";
import {
  MemoryAlertPublisher,
  MemoryAlertStore,
  MemoryCommandLedger,
  MemoryCounters,
  MemoryDeadLetterQueue,
  MemoryQuarantine,
  MemoryShadowGateway,
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
