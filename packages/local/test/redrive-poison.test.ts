import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { describeRedrivePoisonContract, type RedriveSource } from "@fleetline/core/contract";
import { QUEUES, STREAMS } from "@fleetline/core/pipeline";
import type { RedriveRound } from "@fleetline/core/redrive";
import { settle, waitFor } from "@fleetline/testing";
import { freestylePayload } from "../../core/test/factories.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import { localKinesisClient } from "../src/streams/kinesis/kinesis-client.js";
import { connectDevice, interceptKinesis, refusing, startRuntime } from "./helpers.js";

let things = 0;

describeRedrivePoisonContract("fleetline dev", async () => {
  const failures: InjectedFailures = {};
  const runtime = await startRuntime({ failures });
  const thing = `fs-poison-${++things}`;
  const { token } = await runtime.registry.register(thing, "freestyle");
  const publish = async (payload: string) => {
    const device = await connectDevice(runtime.urls.mqtt, thing, token);
    await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, payload, { qos: 1 });
    await device.endAsync();
  };
  const restores: Array<() => void> = [];
  const rejected = async () =>
    (
      (await (await fetch(`${runtime.urls.http}/api/rejected?limit=100`)).json()) as Array<{
        messageId: string;
      }>
    ).map((entry) => entry.messageId);
  const queueOf = { "dead-letter": QUEUES.deadLetter, "rule-errors": QUEUES.ruleErrors } as const;
  return {
    async poisonStore() {
      // A record on the validated stream that is no telemetry record: the store function's poison.
      await localKinesisClient(runtime.urls.kinesis).send(
        new PutRecordCommand({
          StreamName: STREAMS.validated,
          PartitionKey: thing,
          Data: new TextEncoder().encode(JSON.stringify({ thing, not: "a telemetry record" })),
        }),
      );
      await waitFor(
        async () => (await runtime.probe.queued(QUEUES.deadLetter)).length > 0,
        "a function to dead-letter the record",
      );
      await settle(runtime.urls.http);
    },
    async quarantineMalformed() {
      await publish("{oops");
      await waitFor(async () => (await rejected()).length === 1, "the quarantine");
    },
    async failRuleError() {
      restores.push(interceptKinesis(failures, refusing(thing)));
      await publish(JSON.stringify(freestylePayload({ seq: 1, ts: Date.now() })));
      await waitFor(
        async () => (await runtime.probe.queued(QUEUES.ruleErrors)).length === 1,
        "the rule's error action to queue the message",
      );
    },
    async waiting(source: RedriveSource) {
      if (source === "quarantine") return rejected();
      return (await runtime.probe.queued(queueOf[source], 100)).map((message) => message.messageId);
    },
    async round(source: RedriveSource, run?: string) {
      const response = await fetch(`${runtime.urls.http}/api/redrive/${source}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(run ? { run } : {}),
      });
      return (await response.json()) as RedriveRound;
    },
    async close() {
      for (const restore of restores) restore();
      await runtime.stop();
    },
  };
});
