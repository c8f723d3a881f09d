// A deliberately naive device for `fleetline conformance`'s own tests: it connects once, publishes a
// report a second, never subscribes to its shadow, never reconnects — and exits when the
// connection goes. Its connection comes from the environment the conformance run sets.
import mqtt from "mqtt";

const thing = process.env.FLEETLINE_THING as string;
const type = process.env.FLEETLINE_DEVICE_TYPE as string;
const client = await mqtt.connectAsync(process.env.FLEETLINE_MQTT_URL as string, {
  clientId: thing,
  username: thing,
  password: process.env.FLEETLINE_TOKEN,
  reconnectPeriod: 0,
  protocolVersion: 4,
});
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
  client.publish(`dt/fleetline/${type}/${thing}/telemetry`, JSON.stringify(report), { qos: 1 });
}, 1000);
client.on("close", () => {
  clearInterval(timer);
  process.exit(3);
});
process.on("SIGTERM", () => process.exit(0));
