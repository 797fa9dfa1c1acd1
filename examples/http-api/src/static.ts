/**
 * Serves the built preview page (a directory of static files) without
 * authentication. Only files inside the directory are ever read.
 */
import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

export interface StaticFile {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The file for a URL path, or `null` when there is none (or the path leaves the directory). */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const base = resolve(root);
  const relative = decoded === "/" || decoded === "" ? "index.html" : decoded.replace(/^\/+/, "");
  const file = resolve(base, relative);
  if (file !== base && !file.startsWith(base + sep)) return null;
  try {
    const info = await stat(file);
    if (!info.isFile()) return null;
    const body = await readFile(file);
    const immutable = relative.startsWith(`assets/`);
    return {
      body,
      contentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      cacheControl: immutable ? "public, max-age=31536000, immutable" : "no-cache",
    };
  } catch {
    return null;
  }
}

/** True when `root` holds a built page. */
export async function hasIndex(root: string): Promise<boolean> {
  try {
    return (await stat(resolve(root, "index.html"))).isFile();
  } catch {
    return false;
  }
}
