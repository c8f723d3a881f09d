import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { QUEUES, type RedriveRound, STREAMS } from "@fleetline/core";
import { describeRedrivePoisonContract, type RedriveSource } from "@fleetline/core/contract";
import { settle, waitFor } from "@fleetline/testing";
import { freestylePayload } from "../../core/test/factories.js";
import { connectDevice, interceptKinesis, refusing, startRuntime } from "./helpers.js";

let things = 0;

describeRedrivePoisonContract("fleetline dev", async () => {
  const runtime = await startRuntime();
  const thing = `fs-poison-${++things}`;
  const { token } = await runtime.twins.registry.register(thing, "freestyle");
  const publish = async (payload: string) => {
    const device = await connectDevice(runtime.twins.mqttUrl, thing, token);
    await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, payload, { qos: 1 });
    await device.endAsync();
  };
  const restores: Array<() => void> = [];
  const rejected = async () =>
    (
      (await (await fetch(`${runtime.http.url}/api/rejected?limit=100`)).json()) as Array<{
        messageId: string;
      }>
    ).map((entry) => entry.messageId);
  const queueOf = { "dead-letter": QUEUES.deadLetter, "rule-errors": QUEUES.ruleErrors } as const;
  return {
    async poisonStore() {
      // A record on the validated stream that is no telemetry record: the store function's poison.
      await runtime.twins.kinesis.client.send(
        new PutRecordCommand({
          StreamName: STREAMS.validated,
          PartitionKey: thing,
          Data: new TextEncoder().encode(JSON.stringify({ thing, not: "a telemetry record" })),
        }),
      );
      await waitFor(
        async () => (await runtime.twins.queues.count(QUEUES.deadLetter)) > 0,
        "a function to dead-letter the record",
      );
      await settle(runtime.http.url);
    },
    async quarantineMalformed() {
      await publish("{oops");
      await waitFor(async () => (await rejected()).length === 1, "the quarantine");
    },
    async failRuleError() {
      restores.push(interceptKinesis(runtime.twins.kinesis.inProcess, refusing(thing)));
      await publish(JSON.stringify(freestylePayload({ seq: 1, ts: Date.now() })));
      await waitFor(
        async () => (await runtime.twins.queues.count(QUEUES.ruleErrors)) === 1,
        "the rule's error action to queue the message",
      );
    },
    async waiting(source: RedriveSource) {
      if (source === "quarantine") return rejected();
      return (await runtime.twins.queues.list(queueOf[source], 100)).map((message) => message.messageId);
    },
    async round(source: RedriveSource, run?: string) {
      const response = await fetch(`${runtime.http.url}/api/redrive/${source}`, {
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
