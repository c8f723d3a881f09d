/** AWS IoT Core message broker limits on a topic a client publishes to (IoT Core quotas). */
export const TOPIC_LIMITS = {
  maxBytes: 256,
  maxSlashes: 7,
} as const;

/** AWS IoT Device Shadow: a shadow name is 1–64 of these characters. */
export const SHADOW_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,64}$/;

/** The shadow requests a client may publish on reserved topics (`$aws/things/{thing}/shadow/…`). */
const SHADOW_REQUEST = /^\$aws\/things\/[A-Za-z0-9:_-]{1,128}\/shadow(\/name\/[^/]+)?\/(get|update|delete)$/;

export interface TopicProblem {
  /** `invalid`: no broker takes it; `reserved`: the broker keeps it for itself. */
  kind: "invalid" | "reserved";
  message: string;
}

/**
 * Why a client may not publish on `topic`, or undefined: empty, wildcards or NUL in it, over AWS's
 * 256 bytes or 7 slashes, or a reserved topic (`$…`) other than a shadow request — `$SYS/…` among
 * them, where a broker's own control topics live.
 */
export function publishTopicProblem(topic: string): TopicProblem | undefined {
  const invalid = (message: string): TopicProblem => ({ kind: "invalid", message });
  if (topic === "") return invalid("the topic is empty");
  if (topic.includes("+") || topic.includes("#") || topic.includes("\u0000"))
    return invalid("a topic to publish to may not contain +, # or NUL");
  const bytes = new TextEncoder().encode(topic).length;
  if (bytes > TOPIC_LIMITS.maxBytes)
    return invalid(`the topic is ${bytes} bytes; AWS IoT allows ${TOPIC_LIMITS.maxBytes}`);
  const slashes = topic.split("/").length - 1;
  if (slashes > TOPIC_LIMITS.maxSlashes)
    return invalid(`the topic has ${slashes} slashes; AWS IoT allows ${TOPIC_LIMITS.maxSlashes}`);
  if (topic.startsWith("$") && !SHADOW_REQUEST.test(topic))
    return { kind: "reserved", message: `${topic.split("/")[0]}/… is a reserved topic` };
  return undefined;
}
