import {
  ConflictException,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import { getShadow, type ShadowErrorDocument, type StoredShadow, updateShadow } from "@fleetline/core";
import { describeShadowGatewayContract } from "@fleetline/core/contract";
import { mockClient } from "aws-sdk-client-mock";
import { IotDataShadowGateway } from "../src/adapters/iot-data-shadow-gateway.js";

const iot = mockClient(IoTDataPlaneClient);

/** AWS's shadow answers behind the mocked client, from core's shadow semantics; errors as the SDK raises them. */
function fail(error: ShadowErrorDocument): never {
  const options = { message: error.message, $metadata: { httpStatusCode: error.code } };
  if (error.code === 404) throw new ResourceNotFoundException(options);
  if (error.code === 409) throw new ConflictException(options);
  throw new InvalidRequestException(options);
}

describeShadowGatewayContract("IotDataShadowGateway (AWS IoT Data Plane, mocked)", async () => {
  const shadows = new Map<string, StoredShadow>();
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  iot.reset();
  iot.on(GetThingShadowCommand).callsFake(({ thingName }) => {
    const result = getShadow(shadows.get(thingName), "", Date.now(), thingName);
    return result.ok ? { payload: encode(result.value) } : fail(result.error);
  });
  iot.on(UpdateThingShadowCommand).callsFake(({ thingName, payload }) => {
    const result = updateShadow(shadows.get(thingName), payload, Date.now());
    if (!result.ok) fail(result.error);
    shadows.set(thingName, result.value.shadow);
    return { payload: encode(result.value.accepted) };
  });
  return {
    shadows: new IotDataShadowGateway(new IoTDataPlaneClient({ region: "eu-west-1" })),
    close: async () => undefined,
  };
});
