import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { type Counters, type CounterValues, fleetlineError } from "@fleetline/core";

/**
 * The pipeline's counters as CloudWatch metrics (embedded metric format, through Powertools): on
 * AWS the totals live in CloudWatch, not in a table, so `read` is not offered here.
 */
export class CloudWatchCounters implements Counters {
  constructor(private readonly metrics: Metrics) {}

  async add(increments: Partial<CounterValues>): Promise<void> {
    for (const [name, value] of Object.entries(increments)) {
      if (value) this.metrics.addMetric(name, MetricUnit.Count, value);
    }
    this.metrics.publishStoredMetrics();
  }

  async read(): Promise<CounterValues> {
    throw fleetlineError(
      "CONFIG_INVALID",
      "on AWS the counters are CloudWatch metrics in the Fleetline namespace",
    );
  }
}
