import { NEWEST_REPORT_STEP_MS } from "@fleetline/core/alarms";
import type { TelemetryTarget } from "@fleetline/core/telemetry";
import PRICE_FILE from "./prices.json" with { type: "json" };

export type RegionPrices = (typeof PRICE_FILE.regions)["us-east-1"];
export const PRICES: { date: string; regions: Record<string, RegionPrices> } = PRICE_FILE;

export interface CostInput {
  devices: number;
  /** Seconds between a device's reports. */
  intervalSeconds: number;
  /** Bytes of a telemetry payload. */
  payloadBytes: number;
  region: string;
  telemetry: TelemetryTarget;
}

/** What the estimate takes for granted; printed with it. */
export const ASSUMPTIONS = {
  hoursPerMonth: 730,
  /** Every device connected all month. */
  connectedShare: 1,
  /** Bytes of topic the broker meters with each message (`dt/fleetline/freestyle/{thing}/telemetry`). */
  topicBytes: 50,
  /** The IoT rule's envelope around the base64 payload on the raw stream. */
  envelopeBytes: 250,
  /** A validated record's fields around the payload. */
  recordOverheadBytes: 200,
  /** The stacks' shards per stream, and what one shard takes. */
  minShards: 2,
  shardRecordsPerSecond: 1000,
  shardBytesPerSecond: 1024 * 1024,
  /** Stream functions (validate, store, alerts), their batch size, memory and time per invocation. */
  streamFunctions: 3,
  batchSize: 100,
  functionMemoryGb: 1,
  invocationSeconds: 0.1,
  /** Messages that change an alarm (an alert record, a publication, a command). */
  alarmChangeShare: 0.001,
  /** Parquet's size against the JSON rows it holds. */
  parquetShare: 0.3,
  /** A `latest` item's plain attributes (thing, shard, ts, seq, type, receivedAt, state, names included). */
  latestFieldsBytes: 120,
  /** A record deflated, against its JSON: 0.36 on a 1,035-byte report (the item keeps it packed). */
  packedShare: 0.4,
  retentionDays: 365,
  /** Chart queries a day, each reading one day of one device type. */
  queriesPerDay: 500,
  /** Fleet listings a day (each reads every thing's newest record). */
  fleetListingsPerDay: 500,
  /** Log bytes a function invocation writes. */
  logBytesPerInvocation: 1024,
  /** Fleetline's custom metrics (counters) and alarms (iterator age of 3 consumers). */
  customMetrics: 11,
  alarms: 3,
} as const;

export interface CostLine {
  service: string;
  item: string;
  usd: number;
}

export interface CostEstimate {
  input: CostInput;
  date: string;
  lines: CostLine[];
  byService: Record<string, number>;
  total: number;
  perDevice: number;
  /** Shards each stream needs for this load (the stacks provision `minShards`). */
  shardsPerStream: number;
}

const MILLION = 1_000_000;
const GB = 1024 ** 3;

/** Tiered price: the first tier's units at its price, and so on. */
function tiered(units: number, tiers: ReadonlyArray<{ upTo: number | null; price: number }>): number {
  let usd = 0;
  let from = 0;
  for (const { upTo, price } of tiers) {
    const end = upTo ?? Number.POSITIVE_INFINITY;
    const inTier = Math.max(0, Math.min(units, end) - from);
    usd += (inTier / MILLION) * price;
    from = end;
    if (units <= end) break;
  }
  return usd;
}

/** A monthly estimate per service for a fleet on AWS, from the list prices in prices.json. */
export function estimateCost(input: CostInput): CostEstimate {
  const prices = PRICES.regions[input.region];
  if (!prices) throw new Error(`no prices for region ${input.region}`);
  const a = ASSUMPTIONS;
  const seconds = a.hoursPerMonth * 3600;
  const messages = input.devices * (seconds / input.intervalSeconds);
  const perSecond = messages / seconds;
  const rawBytes = a.envelopeBytes + Math.ceil(input.payloadBytes / 3) * 4;
  const recordBytes = a.recordOverheadBytes + input.payloadBytes;
  const lines: CostLine[] = [];
  const add = (service: string, item: string, usd: number) => lines.push({ service, item, usd });

  // AWS IoT Core
  const iot = prices.iotCore;
  const messageUnits = Math.ceil((input.payloadBytes + a.topicBytes) / iot.messageUnitBytes);
  const alarmChanges = messages * a.alarmChangeShare;
  add(
    "IoT Core",
    "connectivity",
    ((input.devices * a.hoursPerMonth * 60 * a.connectedShare) / MILLION) * iot.connectionPerMillionMinutes,
  );
  add("IoT Core", "messages in", tiered(messages * messageUnits, iot.messagesPerMillionTiers));
  add(
    "IoT Core",
    "rules triggered + actions",
    (messages / MILLION) * (iot.rulesTriggeredPerMillion + iot.actionsExecutedPerMillion),
  );
  add(
    "IoT Core",
    "shadow updates (commands)",
    ((alarmChanges * 2) / MILLION) * iot.shadowOperationsPerMillion,
  );

  // Kinesis: two streams, provisioned
  const k = prices.kinesis;
  const shardsFor = (bytes: number) =>
    Math.max(
      a.minShards,
      Math.ceil(perSecond / a.shardRecordsPerSecond),
      Math.ceil((perSecond * bytes) / a.shardBytesPerSecond),
    );
  const shards = Math.max(shardsFor(rawBytes), shardsFor(recordBytes));
  add("Kinesis", "shard hours (2 streams)", 2 * shards * a.hoursPerMonth * k.shardHour);
  const putUnits =
    messages * (Math.ceil(rawBytes / k.putPayloadUnitBytes) + Math.ceil(recordBytes / k.putPayloadUnitBytes));
  add("Kinesis", "PUT payload units", (putUnits / MILLION) * k.putPayloadUnitsPerMillion);

  // Lambda: each stream function is invoked per batch; a shard is polled about once a second.
  const l = prices.lambda;
  const perFunction = Math.max(messages / a.batchSize, Math.min(messages, shards * seconds));
  const invocations = perFunction * a.streamFunctions;
  add("Lambda", "requests", (invocations / MILLION) * l.requestsPerMillion);
  add("Lambda", "compute (arm64)", invocations * a.invocationSeconds * a.functionMemoryGb * l.gbSecondArm);

  const recordGb = (messages * recordBytes) / GB;
  const retainedMonths = a.retentionDays / (a.hoursPerMonth / 24);
  if (input.telemetry === "lake") {
    const f = prices.firehose;
    const ingestedGb = (messages * Math.ceil(recordBytes / f.recordUnitBytes) * f.recordUnitBytes) / GB;
    add("Firehose", "ingestion (5 KB units)", ingestedGb * f.ingestedPerGb);
    add("Firehose", "Parquet conversion", ingestedGb * f.formatConversionPerGb);
    add("Firehose", "dynamic partitioning", recordGb * f.dynamicPartitioningPerGb);
    // One object per (day, type) partition per buffer: 300 s, or sooner once 64 MiB are buffered.
    const objects = Math.max(2 * (seconds / 300), (recordGb * GB) / (64 * 1024 * 1024));
    add("Firehose", "objects delivered", (objects / 1000) * f.objectsDeliveredPerThousand);
    const s3 = prices.s3;
    const lakeGbMonth = recordGb * a.parquetShare;
    add("S3", `storage (${a.retentionDays} days kept)`, lakeGbMonth * retainedMonths * s3.storagePerGbMonth);
    add("S3", "PUT requests", (objects / 1000) * s3.putPerThousand);
    const at = prices.athena;
    const dayOfOneType = (lakeGbMonth * GB) / (a.hoursPerMonth / 24) / 2;
    const scanned = Math.max(at.minimumScanBytes, dayOfOneType) * a.queriesPerDay * (a.hoursPerMonth / 24);
    add("Athena", "data scanned by charts", (scanned / 1024 ** 4) * at.perTbScanned);
    const d = prices.dynamodb;
    // A conditional put per thing per batch, at most one a message, of an item that keeps the
    // record packed: one write unit per 1 KB of item. Its index holds the keys only, written once
    // per thing.
    const latestItemBytes = a.latestFieldsBytes + Math.ceil(recordBytes * a.packedShare);
    add(
      "DynamoDB",
      "newest record per thing (writes)",
      (messages / MILLION) * d.writeRequestUnitsPerMillion * Math.ceil(latestItemBytes / 1024),
    );
    // A listing: the keys from the index, then each item (under 4 KB: half a read unit, eventually consistent).
    const listingReads =
      a.fleetListingsPerDay *
      (a.hoursPerMonth / 24) *
      (Math.ceil((input.devices * 32) / 4096) * 0.5 +
        input.devices * Math.ceil(latestItemBytes / 4096) * 0.5);
    add("DynamoDB", "fleet listings (reads)", (listingReads / MILLION) * d.readRequestUnitsPerMillion);
  } else {
    const t = prices.timestream;
    add(
      "Timestream",
      "writes (1 KB units)",
      ((messages * Math.ceil(recordBytes / t.writeUnitBytes)) / MILLION) * t.writesPerMillion,
    );
    const dayGb = recordGb / (a.hoursPerMonth / 24);
    add("Timestream", "memory store (24 h)", dayGb * a.hoursPerMonth * t.memoryStorePerGbHour);
    add(
      "Timestream",
      `magnetic store (${a.retentionDays} days kept)`,
      recordGb * retainedMonths * t.magneticStorePerGbMonth,
    );
    const scanned = Math.max(t.minimumScanBytes, (dayGb * GB) / 2) * a.queriesPerDay * (a.hoursPerMonth / 24);
    add("Timestream", "queries", (scanned / GB) * t.queryPerGbScanned);
  }

  // Alarms, commands, quarantine: written only when something changes.
  const d = prices.dynamodb;
  add("DynamoDB", "alarms and commands", ((alarmChanges * 4) / MILLION) * d.writeRequestUnitsPerMillion);
  // Each thing's newest report, saved again once it moved NEWEST_REPORT_STEP_MS on (docs/guide/operate.md, "Alarms").
  const newestWrites =
    input.devices * (seconds / Math.max(input.intervalSeconds, NEWEST_REPORT_STEP_MS / 1000));
  add("DynamoDB", "each thing's newest report", (newestWrites / MILLION) * d.writeRequestUnitsPerMillion);
  const sns = prices.sns;
  add("SNS", "alert publications", (alarmChanges / MILLION) * sns.publishesPerMillion);
  const cw = prices.cloudwatch;
  add("CloudWatch", "metrics and alarms", a.customMetrics * cw.metricMonth + a.alarms * cw.alarmMonth);
  add("CloudWatch", "function logs", ((invocations * a.logBytesPerInvocation) / GB) * cw.logsIngestedPerGb);

  const round = (usd: number) => Math.round(usd * 100) / 100;
  const byService: Record<string, number> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.usd;
  const total = lines.reduce((sum, line) => sum + line.usd, 0);
  return {
    input,
    date: PRICES.date,
    lines: lines.map((line) => ({ ...line, usd: round(line.usd) })),
    byService: Object.fromEntries(Object.entries(byService).map(([k, v]) => [k, round(v)])),
    total: round(total),
    perDevice: input.devices > 0 ? Math.round((total / input.devices) * 10_000) / 10_000 : 0,
    shardsPerStream: shards,
  };
}
