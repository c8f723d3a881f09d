import { describeShadowGatewayContract } from "@fleetline/core/contract";
import { IotDataShadowGateway } from "../src/adapters/iot-data-shadow-gateway.js";
import { fakeIotDataPlane } from "./fake-iot-data-plane.js";

const dataPlane = fakeIotDataPlane();

describeShadowGatewayContract("IotDataShadowGateway (AWS IoT Data Plane, mocked)", async () => {
  dataPlane.reset();
  return { shadows: new IotDataShadowGateway(dataPlane.client), close: async () => undefined };
});
