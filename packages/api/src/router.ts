import { HttpError } from "./http-error.js";

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case names, as Node and API Gateway (payload 2.0) both give them. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (POST/PUT), or undefined. */
  body: unknown;
  rawBody: Buffer;
}

export interface Response {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: Request) => Promise<Response> | Response;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

function decodePathParameter(name: string, encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, "INVALID_PARAMETER", `${name}: malformed percent-encoding`);
  }
}

/** Method + path-pattern routing (`/api/devices/:thing`), nothing more. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
        names.push(name);
        return "([^/]+)";
      })}$`,
    );
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  /** The handler and path parameters for a request; 404 or 405 as HTTP says. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodePathParameter(name, match[i + 1] as string);
      });
      return { handler: route.handler, params };
    }
    if (pathMatched) throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`);
    throw new HttpError(404, "NOT_FOUND", `no route for ${method} ${path}`);
  }
}
