import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import { fleetlineError } from "@fleetline/core/common";
import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core/pipeline";

export interface CloudWatchCountersOptions {
  /** The stage: a dimension of every counter, so stages sharing an account keep their own totals. */
  stage: string;
  /** For `read`; functions that only count need none. */
  cloudWatch?: CloudWatchClient;
  namespace?: string;
}

const SERVICE = "fleetline";
const DAY_SECONDS = 86_400;
/** CloudWatch keeps hourly (and coarser) data for 455 days: the totals cover that much. */
const RETENTION_DAYS = 455;

/**
 * The pipeline's counters as CloudWatch metrics: written in embedded metric format through
 * Powertools (no API call on the hot path), read back as sums with GetMetricData over
 * CloudWatch's retention. Both sides use the same namespace and dimensions, which CloudWatch
 * matches exactly.
 */
export class CloudWatchCounters implements Counters {
  private readonly metrics: Metrics;
  private readonly namespace: string;

  constructor(private readonly options: CloudWatchCountersOptions) {
    this.namespace = options.namespace ?? "Fleetline";
    this.metrics = new Metrics({
      namespace: this.namespace,
      serviceName: SERVICE,
      defaultDimensions: { stage: options.stage },
    });
  }

  async add(increments: Partial<CounterValues>): Promise<void> {
    for (const [name, value] of Object.entries(increments)) {
      if (value) this.metrics.addMetric(name, MetricUnit.Count, value);
    }
    this.metrics.publishStoredMetrics();
  }

  async read(now = Date.now()): Promise<CounterValues> {
    const { cloudWatch } = this.options;
    if (!cloudWatch) throw fleetlineError("CONFIG_INVALID", "reading the counters needs a CloudWatch client");
    const end = Math.ceil(now / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const totals = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as CounterValues;
    let token: string | undefined;
    do {
      let page: GetMetricDataCommandOutput;
      try {
        page = await cloudWatch.send(
          new GetMetricDataCommand({
            StartTime: new Date((end - RETENTION_DAYS * DAY_SECONDS) * 1000),
            EndTime: new Date(end * 1000),
            MetricDataQueries: COUNTER_NAMES.map((name, i) => ({
              Id: `m${i}`,
              Label: name,
              MetricStat: {
                Metric: {
                  Namespace: this.namespace,
                  MetricName: name,
                  Dimensions: [
                    { Name: "service", Value: SERVICE },
                    { Name: "stage", Value: this.options.stage },
                  ],
                },
                Period: DAY_SECONDS,
                Stat: "Sum",
              },
            })),
            NextToken: token,
          }),
        );
      } catch (error) {
        throw fleetlineError(
          "STORE_UNAVAILABLE",
          `CloudWatch GetMetricData failed: ${(error as Error).message}`,
          error,
        );
      }
      for (const result of page.MetricDataResults ?? []) {
        const name = COUNTER_NAMES[Number(result.Id?.slice(1))];
        if (name) totals[name] += (result.Values ?? []).reduce((sum, value) => sum + value, 0);
      }
      token = page.NextToken;
    } while (token);
    return totals;
  }
}
