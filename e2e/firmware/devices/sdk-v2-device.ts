// A device as AWS's own samples build one, on the AWS IoT Device SDK v2 (MQTT 3.1.1 over mutual
// TLS): a report a second at QoS 1, its shadow got at connect and its deltas reported back, caught
// up again after each reconnect and after a version conflict. For `fleetline conformance --mtls`.
import { iot, iotshadow, mqtt } from "aws-iot-device-sdk-v2";

const env = process.env;
const thing = env.FLEETLINE_THING as string;
const url = new URL(env.FLEETLINE_MQTT_URL as string);
const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(
  env.FLEETLINE_CERT as string,
  env.FLEETLINE_KEY as string,
)
  .with_certificate_authority_from_path(undefined, env.FLEETLINE_CA as string)
  .with_endpoint(url.hostname)
  .with_port(Number(url.port))
  .with_client_id(thing)
  // A persistent session: the broker keeps its subscriptions and what it missed while away.
  .with_clean_session(false)
  .with_keep_alive_seconds(30)
  .build();
const connection = new mqtt.MqttClient().new_connection(config);
const shadow = new iotshadow.IotShadowClient(connection);
const qos = mqtt.QoS.AtLeastOnce;

/** Reports back what it can do of a desired state: its mode (a dispenser) or a command (a robot). */
function act(desired: Record<string, unknown>): void {
  const reported = Object.fromEntries(
    Object.entries(desired).filter(([key]) => key === "mode" || key === "command"),
  );
  if (Object.keys(reported).length > 0)
    void shadow.publishUpdateShadow({ thingName: thing, state: { reported } }, qos).catch(() => undefined);
}

async function followShadow(): Promise<void> {
  await shadow.subscribeToShadowDeltaUpdatedEvents({ thingName: thing }, qos, (_error, event) =>
    act((event?.state ?? {}) as Record<string, unknown>),
  );
  await shadow.subscribeToGetShadowAccepted({ thingName: thing }, qos, (_error, response) =>
    act((response?.state?.delta ?? {}) as Record<string, unknown>),
  );
  // A version conflict: another writer got there first. Get the shadow again and act on its delta.
  await shadow.subscribeToUpdateShadowRejected({ thingName: thing }, qos, (_error, rejected) => {
    if (rejected?.code === 409)
      void shadow.publishGetShadow({ thingName: thing }, qos).catch(() => undefined);
  });
  await shadow.publishGetShadow({ thingName: thing }, qos);
}

connection.on("resume", () => {
  // Back from an outage: catch up with the shadow (the SDK itself renews the subscriptions).
  void shadow.publishGetShadow({ thingName: thing }, qos).catch(() => undefined);
});
await connection.connect();
await followShadow();
let seq = 0;
const timer = setInterval(() => {
  const report = {
    v: 1,
    seq: seq++,
    ts: Date.now(),
    metrics: {
      cabinetTempC: 4,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 1,
      cartridges: { cola: 50 },
      state: "idle",
    },
  };
  // The SDK queues a publish made while it is offline and sends it once it is back.
  void connection
    .publish(`dt/fleetline/freestyle/${thing}/telemetry`, JSON.stringify(report), qos)
    .catch(() => undefined);
}, 1000);
process.on("SIGTERM", () => {
  clearInterval(timer);
  void connection.disconnect().finally(() => process.exit(0));
});
