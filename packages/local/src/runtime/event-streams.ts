import type { Response } from "@fleetline/api";

/** How many events wait for a slow reader before newer ones are counted as dropped instead. */
const READER_BACKLOG = 1_000;

/** A comment line now and then keeps a quiet stream from looking dead to proxies and clients. */
const KEEP_ALIVE_MS = 15_000;

/** Sends one event on a stream. */
export type SendEvent = (event: string, data: unknown) => void;

/**
 * The API's server-sent event streams (docs/reference/api.md): each one starts a source of events
 * and stops it when the reader goes away or the runtime stops. A reader that falls more than
 * READER_BACKLOG events behind is told how many it missed (`dropped`) rather than slowing the source.
 */
export class EventStreams {
  private readonly open = new Set<() => Promise<void>>();

  /** A 200 whose body is the stream: `start` begins sending and gives back how to stop. */
  response(start: (send: SendEvent) => Promise<() => Promise<void>> | (() => Promise<void>)): Response {
    const encoder = new TextEncoder();
    const open = this.open;
    let stop: (() => Promise<void>) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    const end = async () => {
      clearInterval(keepAlive);
      if (stop) open.delete(stop);
      await stop?.();
      stop = undefined;
    };
    const body = new ReadableStream<Uint8Array>(
      {
        async start(controller) {
          let dropped = 0;
          const write = (event: string, data: unknown) =>
            controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
          const send: SendEvent = (event, data) => {
            if ((controller.desiredSize ?? 1) <= 0) {
              dropped += 1;
              return;
            }
            if (dropped > 0) write("dropped", { count: dropped });
            dropped = 0;
            write(event, data);
          };
          stop = await start(send);
          open.add(stop);
          keepAlive = setInterval(
            () => controller.enqueue(encoder.encode(": keep-alive\n\n")),
            KEEP_ALIVE_MS,
          );
        },
        cancel: end,
      },
      { highWaterMark: READER_BACKLOG },
    );
    return {
      status: 200,
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
      body,
    };
  }

  /** Stops every stream (the runtime is stopping). */
  async close(): Promise<void> {
    for (const stop of [...this.open]) await stop();
    this.open.clear();
  }
}
