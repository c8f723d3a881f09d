/** A refusal or failure of the runtime's API, as one line for the terminal. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when the runtime could not be reached. */
    readonly status = 0,
  ) {
    super(message);
  }
}

/** A request to the API: JSON, the token as a bearer; any status answered, an unreachable runtime an ApiError. */
export async function requestApi(
  url: string,
  path: string,
  init: RequestInit,
  token: string | undefined,
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(`${url}${path}`, { ...init, headers });
  } catch {
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
    throw new ApiError(
      `cannot reach fleetline at ${url}${local ? "; is `fleetline dev` running?" : ": is it the stage's ApiUrl?"}`,
    );
  }
}

/**
 * Calls the API of a running `fleetline dev` (or a stage's API): JSON, the token as a bearer, and
 * any refusal as an ApiError carrying the API's own message.
 */
export async function callApi(
  url: string,
  path: string,
  init: RequestInit,
  token: string | undefined,
): Promise<Response> {
  const response = await requestApi(url, path, init, token);
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { message?: string } }
      | undefined;
    throw new ApiError(body?.error?.message ?? `${response.status} ${response.statusText}`, response.status);
  }
  return response;
}

/** The server-sent events of a response body, as they arrive: `[event, data]`. */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<[string, string]> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) yield [event, data];
      end = buffered.indexOf("\n\n");
    }
  }
}
