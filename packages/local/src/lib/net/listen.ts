import { connect, createServer, type Server } from "node:net";
import { FatalError, fleetlineError } from "@fleetline/core/common";

/** A port that cannot be bound, reported by component and flag instead of an EADDRINUSE stack. */
export class PortInUseError extends FatalError {
  override readonly name = "PortInUseError";
  constructor(message: string) {
    super("PORT_IN_USE", message);
  }
}

export interface ListenTarget {
  /** e.g. "MQTT" */
  label: string;
  /** e.g. "--mqtt-port" */
  flag: string;
  host: string;
  port: number;
}

/** Binds `server` and returns the port it got (port 0 picks a free one). */
export function listen(server: Server, target: ListenTarget): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        reject(new PortInUseError(`${target.label} port ${target.port} is in use; pass ${target.flag}`));
      } else if (error.code === "EACCES") {
        reject(
          new PortInUseError(`${target.label} port ${target.port} needs privileges; pass ${target.flag}`),
        );
      } else {
        reject(
          fleetlineError(
            "STARTUP_FAILED",
            `${target.label} cannot listen on ${target.host}:${target.port}: ${error.message}`,
            error,
          ),
        );
      }
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : target.port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(target.port, target.host);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** A port free on `host` now (for a program that cannot be given port 0, such as mosquitto). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await closeServer(server);
  return port;
}

/** Whether something accepts TCP connections on `host:port` now. */
export function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Which of `targets` cannot be bound now (in use, or needing privileges); port 0 is always free. */
export async function busyPorts(targets: readonly ListenTarget[]): Promise<ListenTarget[]> {
  const busy: ListenTarget[] = [];
  for (const target of targets.filter((t) => t.port !== 0)) {
    const probe = createServer();
    try {
      await listen(probe, target);
    } catch (error) {
      if (error instanceof PortInUseError) busy.push(target);
    } finally {
      await closeServer(probe);
    }
  }
  return busy;
}

/** One line for every port that is busy, and the flags that move them. */
export function portsInUse(busy: readonly ListenTarget[]): PortInUseError {
  const ports = busy.map((t) => `${t.label} port ${t.port}`).join(", ");
  const flags = busy.map((t) => t.flag).join(", ");
  return new PortInUseError(
    `${ports} ${busy.length === 1 ? "is" : "are"} in use (another fleetline dev?); pass ${flags} (0 picks a free port)`,
  );
}
