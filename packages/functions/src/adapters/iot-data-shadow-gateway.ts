import {
  ConflictException,
  GetThingShadowCommand,
  InvalidRequestException,
  type IoTDataPlaneClient,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import type { ShadowDocument, ShadowUpdate } from "@fleetline/core/aws";
import type { ShadowGateway } from "@fleetline/core/commands";
import { fleetlineError } from "@fleetline/core/common";

function mapError(error: unknown): Error {
  if (error instanceof ConflictException) return fleetlineError("CONFLICT", error.message, error);
  if (error instanceof RequestEntityTooLargeException)
    return fleetlineError("PAYLOAD_TOO_LARGE", error.message, error);
  if (error instanceof ThrottlingException) return fleetlineError("THROTTLED", error.message, error);
  if (error instanceof ResourceNotFoundException) return fleetlineError("NOT_FOUND", error.message, error);
  if (error instanceof InvalidRequestException)
    return fleetlineError("REQUEST_INVALID", error.message, error);
  return fleetlineError("PUBLISH_FAILED", error instanceof Error ? error.message : String(error), error);
}

const decode = (payload: Uint8Array | undefined) =>
  JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array()));

/** The ShadowGateway on the IoT Data Plane API: AWS IoT Core, or the local runtime's same REST paths. */
export class IotDataShadowGateway implements ShadowGateway {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async get(thing: string, shadowName?: string): Promise<ShadowDocument | undefined> {
    try {
      const result = await this.client.send(new GetThingShadowCommand({ thingName: thing, shadowName }));
      return decode(result.payload) as ShadowDocument;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw mapError(error);
    }
  }

  async update(
    thing: string,
    update: ShadowUpdate | Uint8Array,
    shadowName?: string,
  ): Promise<ShadowDocument> {
    try {
      const payload =
        update instanceof Uint8Array ? update : new TextEncoder().encode(JSON.stringify(update));
      const result = await this.client.send(
        new UpdateThingShadowCommand({ thingName: thing, shadowName, payload }),
      );
      return decode(result.payload) as ShadowDocument;
    } catch (error) {
      throw mapError(error);
    }
  }
}
