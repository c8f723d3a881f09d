import { fleetlineError } from "../common/errors.js";
import {
  type DeviceType,
  deviceTypeList,
  isDeviceType,
  isThingName,
  RESERVED_THING_NAMES,
} from "./device-types.js";

export interface RegisteredThing {
  thing: string;
  type: DeviceType;
  createdAt: number;
}

/**
 * What a registered device connects with, shown once: a token on the local broker; on AWS IoT
 * Core, which has no tokens, an X.509 certificate and its private key.
 */
export type DeviceCredential =
  | { token: string }
  | {
      certificateArn: string;
      certificatePem: string;
      privateKey: string;
      /** The CA that signed it and the broker's certificate, when it is not a public one (`fleetline dev`). */
      caPem?: string;
    };

/** An X.509 certificate issued for a thing, with its private key (shown once). */
export type IssuedCertificate = Extract<DeviceCredential, { certificateArn: string }>;

/** What a device should connect with: a token (`fleetline dev` only) or an X.509 certificate. */
export type CredentialKind = "token" | "certificate";

/** The things that may connect (the AWS IoT thing registry; a local registry with tokens). */
export interface ThingRegistry {
  /** Registers a thing and returns its credential. Throws CONFLICT if it exists. */
  register(
    thing: string,
    type: DeviceType,
    now?: number,
    credential?: CredentialKind,
  ): Promise<RegisteredThing & DeviceCredential>;
  /**
   * Issues another certificate for a thing that exists, beside the credentials it has — AWS IoT
   * attaches several certificates to one thing. NOT_FOUND if there is no such thing.
   */
  addCertificate(thing: string, now?: number): Promise<RegisteredThing & IssuedCertificate>;
  /** Deletes a thing and revokes its credentials; false if there was none. */
  remove(thing: string): Promise<boolean>;
  get(thing: string): Promise<RegisteredThing | undefined>;
  /** Every registered thing, by name. */
  list(): Promise<RegisteredThing[]>;
}

/** What every registry refuses before it looks anything up: a bad thing name or device type (REQUEST_INVALID). */
export function checkRegistration(thing: string, type: string): asserts type is DeviceType {
  if (!isThingName(thing))
    throw fleetlineError("REQUEST_INVALID", `thing name "${thing}" must match [A-Za-z0-9_-]{1,64}`);
  if (RESERVED_THING_NAMES.has(thing.toLowerCase()))
    throw fleetlineError(
      "REQUEST_INVALID",
      `thing name "${thing}" is reserved for the runtime's own clients`,
    );
  if (!isDeviceType(type))
    throw fleetlineError("REQUEST_INVALID", `type "${type}" is not ${deviceTypeList()}`);
}
