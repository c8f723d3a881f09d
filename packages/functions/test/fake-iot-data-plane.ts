import {
  ConflictException,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  PublishCommand,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import { getShadow, type ShadowErrorDocument, type StoredShadow, updateShadow } from "@fleetline/core/aws";
import { mockClient } from "aws-sdk-client-mock";

/** A shadow rejection as the SDK raises it. */
function fail(error: ShadowErrorDocument): never {
  const options = { message: error.message, $metadata: { httpStatusCode: error.code } };
  if (error.code === 404) throw new ResourceNotFoundException(options);
  if (error.code === 409) throw new ConflictException(options);
  throw new InvalidRequestException(options);
}

/**
 * The IoT Data Plane behind aws-sdk-client-mock: classic shadows answered from core's shadow
 * semantics (the AWS rules the local shadow service also follows), and Publish recorded.
 */
export function fakeIotDataPlane() {
  const mock = mockClient(IoTDataPlaneClient);
  const shadows = new Map<string, StoredShadow>();
  const published: Array<{ topic: string; payload: unknown }> = [];
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  function install() {
    mock.on(GetThingShadowCommand).callsFake(({ thingName }) => {
      const result = getShadow(shadows.get(thingName), "", Date.now(), thingName);
      return result.ok ? { payload: encode(result.value) } : fail(result.error);
    });
    mock.on(UpdateThingShadowCommand).callsFake(({ thingName, payload }) => {
      const result = updateShadow(shadows.get(thingName), payload, Date.now());
      if (!result.ok) fail(result.error);
      shadows.set(thingName, result.value.shadow);
      return { payload: encode(result.value.accepted) };
    });
    mock.on(PublishCommand).callsFake(({ topic, payload }) => {
      published.push({ topic, payload: JSON.parse(new TextDecoder().decode(payload as Uint8Array)) });
      return {};
    });
  }
  install();

  return {
    client: new IoTDataPlaneClient({ region: "eu-west-1" }),
    shadows,
    published,
    reset() {
      mock.reset();
      shadows.clear();
      published.length = 0;
      install();
    },
  };
}
