/**
 * AWS IoT fleet provisioning templates (docs/guide/provisioning.md): the template JSON AWS takes —
 * `Parameters`, `Resources` of type `AWS::IoT::Thing`, `AWS::IoT::Certificate` and
 * `AWS::IoT::Policy`, `DeviceConfiguration` — checked when it is created and evaluated with a
 * device's parameters when the device asks to be registered.
 */

/** AWS IoT's limit on a template body. */
export const MAX_TEMPLATE_BYTES = 10_240;

/** The parameter AWS IoT sets to the id of the certificate being registered. */
export const CERTIFICATE_ID_PARAMETER = "AWS::IoT::Certificate::Id";

/** What a template registers for one device, its parameters substituted. */
export interface ProvisioningPlan {
  thingName: string;
  thingTypeName?: string;
  /** The thing's attributes (`AttributePayload`): Fleetline reads the device type from `type`. */
  attributes: Record<string, string>;
  thingGroups: string[];
  /** The certificate's status once registered; an INACTIVE one cannot connect. */
  certificateStatus: "ACTIVE" | "INACTIVE";
  /** The policy attached to the certificate, by name. */
  policyName?: string;
  /** Handed to the device in RegisterThing's reply. */
  deviceConfiguration: Record<string, string>;
}

export interface ProvisioningTemplate {
  parameters: Record<string, { type: string; default?: string }>;
  resources: Record<string, { type: string; properties: Record<string, unknown> }>;
  deviceConfiguration: Record<string, unknown>;
}

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };
const invalid = (message: string): { ok: false; message: string } => ({ ok: false, message });

const RESOURCE_TYPES = new Set(["AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::Policy"]);
const FUNCTIONS = new Set(["Ref", "Fn::Join", "Fn::Sub", "Fn::Select", "Fn::Split"]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The intrinsic functions a value uses that this evaluator does not know, if any. */
function unknownFunction(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(unknownFunction).find((name) => name !== undefined);
  if (!isObject(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if ((key === "Ref" || key.startsWith("Fn::")) && !FUNCTIONS.has(key)) return key;
    const found = unknownFunction(inner);
    if (found) return found;
  }
  return undefined;
}

/** Parses and checks a template body as CreateProvisioningTemplate does, or says what is wrong. */
export function parseProvisioningTemplate(body: string): Checked<ProvisioningTemplate> {
  if (new TextEncoder().encode(body).length > MAX_TEMPLATE_BYTES)
    return invalid(`templateBody is over ${MAX_TEMPLATE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return invalid("templateBody is not JSON");
  }
  if (!isObject(json)) return invalid("templateBody must be a JSON object");
  const parameters: ProvisioningTemplate["parameters"] = {};
  for (const [name, declared] of Object.entries(isObject(json.Parameters) ? json.Parameters : {})) {
    if (!isObject(declared) || typeof declared.Type !== "string")
      return invalid(`parameter ${name} needs a Type`);
    parameters[name] = {
      type: declared.Type,
      ...(declared.Default !== undefined ? { default: String(declared.Default) } : {}),
    };
  }
  if (!isObject(json.Resources)) return invalid("templateBody needs Resources");
  const resources: ProvisioningTemplate["resources"] = {};
  for (const [name, resource] of Object.entries(json.Resources)) {
    if (!isObject(resource) || typeof resource.Type !== "string" || !RESOURCE_TYPES.has(resource.Type))
      return invalid(`resource ${name} must be of type ${[...RESOURCE_TYPES].join(", ")}`);
    resources[name] = {
      type: resource.Type,
      properties: isObject(resource.Properties) ? resource.Properties : {},
    };
  }
  const count = (type: string) => Object.values(resources).filter((r) => r.type === type).length;
  if (count("AWS::IoT::Thing") !== 1) return invalid("templateBody needs exactly one AWS::IoT::Thing");
  if (count("AWS::IoT::Certificate") !== 1)
    return invalid("templateBody needs exactly one AWS::IoT::Certificate");
  if (count("AWS::IoT::Policy") > 1) return invalid("templateBody may name one AWS::IoT::Policy");
  const deviceConfiguration = isObject(json.DeviceConfiguration) ? json.DeviceConfiguration : {};
  const unknown = unknownFunction([resources, deviceConfiguration]);
  if (unknown) return invalid(`intrinsic function ${unknown} is not supported`);
  return { ok: true, value: { parameters, resources, deviceConfiguration } };
}

class TemplateError extends Error {}

/** One value of the template with `Ref` and the `Fn::` functions applied. */
function evaluate(value: unknown, parameters: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => evaluate(item, parameters));
  if (!isObject(value)) return value;
  const [key, argument] = Object.entries(value)[0] ?? [];
  if (key === "Ref") {
    const found = parameters[String(argument)];
    if (found === undefined) throw new TemplateError(`parameter ${String(argument)} is missing`);
    return found;
  }
  if (key === "Fn::Join") {
    const [delimiter, parts] = evaluate(argument, parameters) as [unknown, unknown];
    if (typeof delimiter !== "string" || !Array.isArray(parts))
      throw new TemplateError("Fn::Join takes [delimiter, [values]]");
    return parts.map(String).join(delimiter);
  }
  if (key === "Fn::Sub") {
    if (typeof argument !== "string") throw new TemplateError("Fn::Sub takes a string");
    return argument.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      String(evaluate({ Ref: name }, parameters)),
    );
  }
  if (key === "Fn::Split") {
    const [delimiter, text] = evaluate(argument, parameters) as [unknown, unknown];
    if (typeof delimiter !== "string" || typeof text !== "string")
      throw new TemplateError("Fn::Split takes [delimiter, string]");
    return text.split(delimiter);
  }
  if (key === "Fn::Select") {
    const [index, list] = evaluate(argument, parameters) as [unknown, unknown];
    if (!Array.isArray(list) || list[Number(index)] === undefined)
      throw new TemplateError("Fn::Select is out of range");
    return list[Number(index)];
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, parameters)]));
}

const strings = (value: unknown): Record<string, string> =>
  isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : {};

/**
 * What the template registers with these parameters (the device's, over the defaults, with the
 * certificate's id as AWS sets it), or why it cannot: a parameter missing, a thing without a name.
 */
export function planProvisioning(
  template: ProvisioningTemplate,
  given: Record<string, string>,
  certificateId: string,
): Checked<ProvisioningPlan> {
  const parameters: Record<string, string> = {};
  for (const [name, declared] of Object.entries(template.parameters))
    if (declared.default !== undefined) parameters[name] = declared.default;
  Object.assign(parameters, given, { [CERTIFICATE_ID_PARAMETER]: certificateId });
  try {
    const of = (type: string) =>
      evaluate(
        Object.values(template.resources).find((r) => r.type === type)?.properties ?? {},
        parameters,
      ) as Record<string, unknown>;
    const thing = of("AWS::IoT::Thing");
    const certificate = of("AWS::IoT::Certificate");
    const policy = of("AWS::IoT::Policy");
    if (typeof thing.ThingName !== "string" || thing.ThingName === "")
      return invalid("the template's AWS::IoT::Thing has no ThingName");
    if (certificate.CertificateId !== undefined && certificate.CertificateId !== certificateId)
      return invalid("the template's AWS::IoT::Certificate must be the one being registered");
    if (policy.PolicyDocument !== undefined)
      return invalid("an inline PolicyDocument is not supported: name the device policy (PolicyName)");
    return {
      ok: true,
      value: {
        thingName: thing.ThingName,
        ...(typeof thing.ThingTypeName === "string" ? { thingTypeName: thing.ThingTypeName } : {}),
        attributes: strings(thing.AttributePayload),
        thingGroups: Array.isArray(thing.ThingGroups) ? thing.ThingGroups.map(String) : [],
        certificateStatus: certificate.Status === "INACTIVE" ? "INACTIVE" : "ACTIVE",
        ...(typeof policy.PolicyName === "string" ? { policyName: policy.PolicyName } : {}),
        deviceConfiguration: strings(evaluate(template.deviceConfiguration, parameters)),
      },
    };
  } catch (error) {
    if (error instanceof TemplateError) return invalid(error.message);
    throw error;
  }
}
