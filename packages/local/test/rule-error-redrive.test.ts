import { QUEUES, type RedriveRound, STREAMS } from "@fleetline/core";
import { describeRuleErrorRedriveContract } from "@fleetline/core/contract";
import { settle, waitFor } from "@fleetline/testing";
import { freestylePayload } from "../../core/test/factories.js";
import { connectDevice, interceptKinesis, readStream, refusing, startRuntime } from "./helpers.js";

let things = 0;

describeRuleErrorRedriveContract(
  "fleetline dev",
  async () => {
    const runtime = await startRuntime();
    const thing = `fs-rule-redrive-${++things}`;
    const { token } = await runtime.twins.registry.register(thing, "freestyle");
    const kinesis = runtime.twins.kinesis.inProcess;
    const post = async (path: string) =>
      (
        await fetch(`${runtime.http.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).json();
    return {
      thing,
      async failTelemetry(payload) {
        const queued = await runtime.twins.queues.count(QUEUES.ruleErrors);
        const restore = interceptKinesis(kinesis, refusing(thing));
        try {
          const device = await connectDevice(runtime.twins.mqttUrl, thing, token);
          await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, payload, { qos: 1 });
          await device.endAsync();
          await waitFor(
            async () => (await runtime.twins.queues.count(QUEUES.ruleErrors)) > queued,
            "the rule's error action to queue the message",
          );
        } finally {
          restore();
        }
      },
      redrive: () => post("/api/redrive/rule-errors") as Promise<RedriveRound>,
      refuseRawStream: () => interceptKinesis(kinesis, refusing(thing)),
      async outcome() {
        await settle(runtime.http.url);
        const validated = [...(await readStream(kinesis, STREAMS.validated)).values()]
          .flat()
          .filter((record) => record.partitionKey === thing);
        const rejected = (await (await fetch(`${runtime.http.url}/api/rejected?limit=100`)).json()) as Array<{
          topic: string;
          reason: string;
        }>;
        return {
          validated: validated.length,
          quarantined: rejected.filter((e) => e.topic.includes(`/${thing}/`)).map((e) => e.reason),
        };
      },
      close: () => runtime.stop(),
    };
  },
  (seq) => JSON.stringify(freestylePayload({ seq, ts: Date.now() })),
);
