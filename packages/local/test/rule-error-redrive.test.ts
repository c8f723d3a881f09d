import { describeRuleErrorRedriveContract } from "@fleetline/core/contract";
import { QUEUES, STREAMS } from "@fleetline/core/pipeline";
import type { RedriveRound } from "@fleetline/core/redrive";
import { settle, waitFor } from "@fleetline/testing";
import { freestylePayload } from "../../core/test/factories.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import { localKinesisClient } from "../src/streams/kinesis/kinesis-client.js";
import { connectDevice, interceptKinesis, readStream, refusing, startRuntime } from "./helpers.js";

let things = 0;

describeRuleErrorRedriveContract(
  "fleetline dev",
  async () => {
    const failures: InjectedFailures = {};
    const runtime = await startRuntime({ failures });
    const thing = `fs-rule-redrive-${++things}`;
    const { token } = await runtime.registry.register(thing, "freestyle");
    const post = async (path: string) =>
      (
        await fetch(`${runtime.urls.http}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).json();
    return {
      thing,
      async failTelemetry(payload) {
        const queued = (await runtime.probe.queued(QUEUES.ruleErrors)).length;
        const restore = interceptKinesis(failures, refusing(thing));
        try {
          const device = await connectDevice(runtime.urls.mqtt, thing, token);
          await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, payload, { qos: 1 });
          await device.endAsync();
          await waitFor(
            async () => (await runtime.probe.queued(QUEUES.ruleErrors)).length > queued,
            "the rule's error action to queue the message",
          );
        } finally {
          restore();
        }
      },
      redrive: () => post("/api/redrive/rule-errors") as Promise<RedriveRound>,
      refuseRawStream: () => interceptKinesis(failures, refusing(thing)),
      async outcome() {
        await settle(runtime.urls.http);
        const validated = [
          ...(await readStream(localKinesisClient(runtime.urls.kinesis), STREAMS.validated)).values(),
        ]
          .flat()
          .filter((record) => record.partitionKey === thing);
        const rejected = (await (
          await fetch(`${runtime.urls.http}/api/rejected?limit=100`)
        ).json()) as Array<{
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
