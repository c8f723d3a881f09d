import { ApiError, api, apiToken, apiUrl } from "../api.js";
import { h, time } from "../dom.js";
import type { View } from "./view.js";

interface Tapped {
  topic: string;
  payloadBase64: string;
  clientId: string;
  at: number;
}

/** How many messages the view keeps on screen; the oldest go first. */
const SHOWN = 500;

function text(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const decoded = new TextDecoder().decode(bytes);
  try {
    return JSON.stringify(JSON.parse(decoded), null, 2);
  } catch {
    return decoded;
  }
}

/**
 * The MQTT client of the dashboard, as the AWS IoT console's test client: subscribe to topic
 * filters and see every matching message live (`GET /api/mqtt/subscribe`, as the runtime sees
 * them), and publish a test message (`POST /topics/{topic}`, the IoT Data Plane's Publish).
 */
export function mqttView(): View {
  let stream: AbortController | undefined;
  const filters = h("input", { name: "filter", value: "dt/fleetline/#", "data-filter": "", size: "40" });
  const subscribe = h("button", { type: "submit" }, "Subscribe");
  const stop = h("button", { type: "button", disabled: true }, "Stop");
  const status = h(
    "p",
    { "data-subscription": "" },
    "Not subscribed. Filters: + for one level, # for the rest; several, separated by spaces.",
  );
  const messages = h("ol", { class: "messages", "data-messages": "" });
  const topic = h("input", {
    name: "topic",
    value: "alerts/fleetline/test",
    "data-publish-topic": "",
    size: "40",
  });
  const payload = h("textarea", { name: "payload", "data-publish-payload": "" }, '{"hello":"fleet"}');
  const qos = h(
    "select",
    { name: "qos" },
    h("option", { value: "1" }, "QoS 1"),
    h("option", { value: "0" }, "QoS 0"),
  );
  const published = h("p", { "data-published": "" });

  const subscribeForm = h("form", { class: "mqtt-subscribe" }, filters, subscribe, stop);
  const publishForm = h(
    "form",
    { class: "mqtt-publish" },
    topic,
    qos,
    h("button", { type: "submit" }, "Publish"),
  );
  const element = h(
    "section",
    { "data-view": "mqtt" },
    h("div", { class: "card" }, h("h3", {}, "Subscribe"), subscribeForm, status),
    messages,
    h("div", { class: "card" }, h("h3", {}, "Publish a test message"), publishForm, payload, published),
  );

  function show(message: Tapped): void {
    const from = message.clientId === "n/a" ? "the runtime" : message.clientId;
    messages.prepend(
      h(
        "li",
        { "data-topic": message.topic },
        h(
          "div",
          { class: "meta" },
          h("b", { class: "topic" }, message.topic),
          ` · ${time(message.at)} · from ${from}`,
        ),
        h("pre", { class: "payload" }, text(message.payloadBase64)),
      ),
    );
    while (messages.children.length > SHOWN) messages.lastElementChild?.remove();
  }

  async function follow(wanted: string[]): Promise<void> {
    stream?.abort();
    const controller = new AbortController();
    stream = controller;
    const query = wanted.map((f) => `filter=${encodeURIComponent(f)}`).join("&");
    const headers: Record<string, string> = {};
    if (apiToken.get()) headers.authorization = `Bearer ${apiToken.get()}`;
    stop.disabled = false;
    try {
      const response = await fetch(`${apiUrl}/api/mqtt/subscribe?${query}`, {
        headers,
        signal: controller.signal,
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
        throw new ApiError(
          response.status === 404
            ? "The MQTT client is part of fleetline dev; on AWS, use the AWS IoT console's MQTT test client."
            : (body.error?.message ?? `${response.status}`),
          response.status,
        );
      }
      status.className = "ok";
      status.textContent = `Subscribed to ${wanted.join(", ")}: messages appear as they arrive, newest first.`;
      const decoder = new TextDecoder();
      let buffered = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.startsWith("event: message") && data) show(JSON.parse(data) as Tapped);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      status.className = "error";
      status.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      if (stream === controller) stop.disabled = true;
    }
  }

  subscribeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = filters.value.split(/\s+/).filter(Boolean);
    if (wanted.length > 0) void follow(wanted);
  });
  stop.addEventListener("click", () => {
    stream?.abort();
    stop.disabled = true;
    status.className = "";
    status.textContent = "Stopped.";
  });
  publishForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.post(`/topics/${encodeURIComponent(topic.value.trim())}?qos=${qos.value}`, payload.value);
      published.className = "ok";
      published.textContent = `Published on ${topic.value.trim()} at ${time(Date.now())}.`;
    } catch (error) {
      published.className = "error";
      published.textContent =
        error instanceof ApiError ? `Refused (${error.status}): ${error.message}` : String(error);
    }
  });

  return {
    element,
    title: "MQTT client",
    // Live already: the stream needs no polling.
    async refresh() {},
    dispose() {
      stream?.abort();
    },
  };
}
