import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { HttpError, type Response } from "@fleetline/api";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * The dashboard's built files; any other path gets index.html (the app routes itself). Paths are
 * confined to `dir`.
 */
export async function staticFile(dir: string, path: string): Promise<Response> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new HttpError(400, "INVALID_PARAMETER", "path: malformed percent-encoding");
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, "");
  const file = join(dir, relative);
  const inside = file.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  const candidates = inside && extname(file) ? [file] : [join(dir, "index.html")];
  for (const candidate of candidates) {
    try {
      const body = await readFile(candidate);
      const cache = candidate.includes(`${sep}assets${sep}`)
        ? "public, max-age=31536000, immutable"
        : "no-cache";
      return {
        status: 200,
        body,
        headers: {
          "content-type": TYPES[extname(candidate)] ?? "application/octet-stream",
          "cache-control": cache,
        },
      };
    } catch {
      // not there: fall through
    }
  }
  if (extname(file))
    return { status: 404, body: { error: { code: "NOT_FOUND", message: `no file ${path}` } } };
  return {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: Buffer.from("The dashboard is not built yet: run `npm run build` (npm start does it for you).\n"),
  };
}
