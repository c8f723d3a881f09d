import WebSocket from "ws";

/** A Chrome DevTools Protocol session on a Node inspector, as VS Code or chrome://inspect open one. */
export interface InspectorSession {
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** The params of every event `method` received so far, in order. */
  events<T>(method: string): T[];
  close(): void;
}

export async function inspectorSession(url: string): Promise<InspectorSession> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  const received: Array<{ method: string; params: unknown }> = [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as {
      id?: number;
      method?: string;
      result?: unknown;
      params?: unknown;
    };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
    if (message.method) received.push({ method: message.method, params: message.params });
  });
  return {
    send: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        id += 1;
        pending.set(id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    events: <T>(method: string) => received.filter((e) => e.method === method).map((e) => e.params as T),
    close: () => socket.close(),
  };
}
