import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";

interface Datum {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
  timestamp: number;
}

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [key: string]: unknown;
}

const sameDimensions = (a: Record<string, string>, b: Array<{ Name?: string; Value?: string }>) =>
  Object.keys(a).length === b.length && b.every((d) => a[d.Name ?? ""] === d.Value);

/**
 * CloudWatch as the counters meet it: embedded-metric-format lines written to stdout become data
 * points (what CloudWatch Logs does in Lambda), and GetMetricData sums them per period for a
 * metric whose namespace, name and whole dimension set match — CloudWatch never matches a subset.
 * Results come three queries to a page.
 */
export function fakeCloudWatch() {
  const mock = mockClient(CloudWatchClient);
  const data: Datum[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk, ...rest) => {
    const text = String(chunk);
    if (!text.includes('"_aws"')) return write(chunk, ...(rest as []));
    for (const line of text.split("\n").filter(Boolean)) {
      const emf = JSON.parse(line) as EmfLine;
      for (const directive of emf._aws.CloudWatchMetrics) {
        for (const names of directive.Dimensions) {
          const dimensions = Object.fromEntries(names.map((name) => [name, String(emf[name])]));
          for (const metric of directive.Metrics) {
            data.push({
              namespace: directive.Namespace,
              name: metric.Name,
              dimensions,
              value: Number(emf[metric.Name]),
              timestamp: emf._aws.Timestamp,
            });
          }
        }
      }
    }
    return true;
  });

  mock.on(GetMetricDataCommand).callsFake(({ MetricDataQueries = [], StartTime, EndTime, NextToken }) => {
    const start = (StartTime as Date).getTime();
    const end = (EndTime as Date).getTime();
    const first = Number(NextToken ?? 0);
    const page = MetricDataQueries.slice(first, first + 3);
    const results = page.map((query: MetricDataQuery) => {
      const stat = query.MetricStat;
      if (stat?.Stat !== "Sum") throw new Error("the fake sums only");
      const periodMs = (stat.Period ?? 60) * 1000;
      const sums = new Map<number, number>();
      for (const datum of data) {
        if (
          datum.namespace !== stat.Metric?.Namespace ||
          datum.name !== stat.Metric?.MetricName ||
          !sameDimensions(datum.dimensions, stat.Metric?.Dimensions ?? []) ||
          datum.timestamp < start ||
          datum.timestamp >= end
        )
          continue;
        const bucket = start + Math.floor((datum.timestamp - start) / periodMs) * periodMs;
        sums.set(bucket, (sums.get(bucket) ?? 0) + datum.value);
      }
      const buckets = [...sums.keys()].sort((a, b) => b - a);
      return {
        Id: query.Id,
        Label: query.Label,
        Timestamps: buckets.map((t) => new Date(t)),
        Values: buckets.map((t) => sums.get(t) as number),
        StatusCode: "Complete" as const,
      };
    });
    const next = first + 3 < MetricDataQueries.length ? String(first + 3) : undefined;
    return { MetricDataResults: results, ...(next ? { NextToken: next } : {}) };
  });

  return {
    client: new CloudWatchClient({ region: "eu-west-1" }),
    data,
    reset() {
      data.length = 0;
    },
    restore() {
      spy.mockRestore();
      mock.restore();
    },
  };
}
