/**
 * AWS IoT Core's per-connection rules where they differ from the MQTT specification
 * (docs/guide/local-runtime.md, "Stand-ins of the AWS services"): the embedded broker holds devices
 * to them unless `--no-iot-limits` says otherwise.
 */
export const IOT_CORE_LIMITS = {
  /** Publish requests a second, per connection. */
  publishesPerSecond: 100,
  /** Bytes of publish payload a second, per connection (512 KB). */
  bytesPerSecond: 512 * 1024,
  /** Messages stored for a persistent session delivered a second when it resumes. */
  storedMessagesPerSecond: 10,
  /** Topic filters one SUBSCRIBE may carry. */
  filtersPerSubscribe: 8,
  /** The keep-alive AWS IoT Core holds a connection to: 30 s at least, 1,200 s at most (and for 0). */
  keepAlive: { minSeconds: 30, maxSeconds: 1200 },
} as const;

/** The keep-alive IoT Core uses for the one a CONNECT asks for. */
export function clampKeepAlive(seconds: number): number {
  const { minSeconds, maxSeconds } = IOT_CORE_LIMITS.keepAlive;
  if (seconds === 0 || seconds > maxSeconds) return maxSeconds;
  return Math.max(seconds, minSeconds);
}

/** A token bucket: `rate` a second, holding at most a second's worth. */
class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.at = now;
  }

  /** Gives back what `take` took. */
  refund(amount: number): void {
    this.tokens = Math.min(this.rate, this.tokens + amount);
  }

  take(amount: number, now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }
}

/**
 * One connection's publish allowance: 100 publishes and 512 KB a second, a second's worth at once.
 * A publish over it is throttled, as IoT Core throttles it: not acknowledged, not delivered, the
 * connection left open (the device resends, or loses a QoS 0 message).
 */
export class PublishThrottle {
  private readonly publishes: Bucket;
  private readonly bytes: Bucket;

  constructor(now: number) {
    this.publishes = new Bucket(IOT_CORE_LIMITS.publishesPerSecond, now);
    this.bytes = new Bucket(IOT_CORE_LIMITS.bytesPerSecond, now);
  }

  /** Whether a publish of `size` bytes is within the allowance now; if so it is taken from it. */
  admit(size: number, now: number): boolean {
    // A publish the byte allowance refuses gives its publish back: a refused publish costs nothing.
    if (!this.publishes.take(1, now)) return false;
    if (!this.bytes.take(size, now)) {
      this.publishes.refund(1);
      return false;
    }
    return true;
  }
}

/**
 * AWS IoT Core's topic matching for subscriptions: as MQTT's, but `a/#` does not match the topic `a`
 * (the multi-level wildcard needs a level to stand for).
 */
export function iotCoreMatches(
  filter: string,
  topic: string,
  mqttMatches: (f: string, t: string) => boolean,
) {
  if (!mqttMatches(filter, topic)) return false;
  return !(filter.endsWith("/#") && topic.split("/").length < filter.split("/").length);
}
