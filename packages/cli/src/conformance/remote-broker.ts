import type { FaultSwitches, Observation } from "@fleetline/local";
import { callApi, serverSentEvents } from "../runtime-api.js";
import type { BrokerLink, Watchers } from "./broker-link.js";

/**
 * The embedded broker of a running `fleetline dev` (`fleetline conformance --url`), over its API
 * (docs/reference/api.md): the fault switches and drops by request, what the broker sees of the
 * device from `GET /api/broker/observations/{clientId}` (server-sent events).
 */
export class RemoteBroker implements BrokerLink {
  private readonly stopped = new AbortController();
  /** Open connections by client id: a takeover's new CONNECT may come before the old one's end. */
  private readonly online = new Map<string, number>();
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly apiToken: string | undefined,
  ) {}

  private call(path: string, init: RequestInit): Promise<Response> {
    return callApi(this.url, path, init, this.apiToken);
  }

  async watch(clientId: string, watchers: Watchers): Promise<void> {
    const response = await this.call(`/api/broker/observations/${encodeURIComponent(clientId)}`, {
      signal: this.stopped.signal,
    });
    const events = serverSentEvents(response.body as ReadableStream<Uint8Array>);
    // The first event says whether the device is connected already.
    const first = await events.next();
    if (!first.done && first.value[0] === "watching" && JSON.parse(first.value[1]).connected)
      this.online.set(clientId, 1);
    this.reading = (async () => {
      for await (const [event, data] of events) {
        if (event === "refused") watchers.refused(JSON.parse(data));
        if (event !== "observed") continue;
        const json = JSON.parse(data) as Observation & { payload?: string };
        const observation = (
          json.payload === undefined ? json : { ...json, payload: Buffer.from(json.payload, "base64") }
        ) as Observation;
        const open = this.online.get(clientId) ?? 0;
        if (observation.kind === "connect") this.online.set(clientId, open + 1);
        if (observation.kind === "disconnect") this.online.set(clientId, Math.max(0, open - 1));
        watchers.observed(observation);
      }
    })().catch(() => undefined);
  }

  async setFaults(clientId: string, switches: FaultSwitches): Promise<void> {
    await this.call(`/api/broker/faults/${encodeURIComponent(clientId)}`, {
      method: "PUT",
      body: JSON.stringify(switches),
    });
  }

  async clearFaults(clientId: string): Promise<void> {
    await this.call(`/api/broker/faults/${encodeURIComponent(clientId)}`, { method: "DELETE" });
  }

  async drop(clientId: string): Promise<void> {
    await this.call(`/api/broker/connections/${encodeURIComponent(clientId)}/drop`, { method: "POST" }).catch(
      () => undefined,
    );
  }

  connected(clientId: string): boolean {
    return (this.online.get(clientId) ?? 0) > 0;
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.reading;
  }
}
