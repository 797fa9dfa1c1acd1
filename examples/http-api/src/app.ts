/**
 * The HTTP app: bearer-token auth, the routes of `routes/`, the envelope,
 * `/openapi.json`, `/health` and the preview page. No socket here; `main.ts`
 * serves it, tests can call `app.fetch` or serve it on port 0.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import {
  type Clock,
  type Coinage,
  createCoinage,
  invalidInput,
  type ProgramInput,
  type Store,
} from "@coinage/core";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HttpError, success, toErrorResponse } from "./envelope.js";
import { buildOpenApi } from "./openapi.js";
import type { Route } from "./routes/route.js";
import { seedRoutes } from "./routes/seed.js";
import { v1Routes } from "./routes/v1.js";
import type { Schema } from "./schema.js";
import { hasIndex, readStatic } from "./static.js";

/** Program settings besides the id. */
export type ProgramSettings = Omit<ProgramInput, "id">;

export interface AppOptions {
  readonly store: Store;
  /** Bearer token → program id (the seed's companyId). */
  readonly tokens: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Settings per program id; a program without an entry uses `programDefaults`. */
  readonly programs?: Readonly<Record<string, ProgramSettings>>;
  readonly programDefaults?: ProgramSettings;
  readonly clock?: Clock;
  /** The built preview page, served at `/`; `null` serves none. */
  readonly previewDir?: string | null;
  /** Where unexpected failures are logged (with their stack); `console.error` by default. */
  readonly logError?: (message: string, error: unknown) => void;
  /** Largest accepted request body, in bytes; 1 MiB by default. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_PROGRAM_SETTINGS: ProgramSettings = { coinValue: "0.25" };

/** Every route the app serves behind auth. */
export const routes: readonly Route[] = [...seedRoutes, ...v1Routes];

export function createApp(options: AppOptions): Hono {
  const tokenEntries =
    options.tokens instanceof Map ? [...options.tokens] : Object.entries(options.tokens);
  if (tokenEntries.length === 0) throw new Error("createApp: at least one token is needed");
  const logError = options.logError ?? ((message, error) => console.error(message, error));

  // One engine per program named by a token; created up front so a bad program setting fails at startup.
  const engines = new Map<string, Coinage>();
  for (const [, programId] of tokenEntries) {
    if (engines.has(programId)) continue;
    const settings =
      options.programs?.[programId] ?? options.programDefaults ?? DEFAULT_PROGRAM_SETTINGS;
    engines.set(
      programId,
      createCoinage({
        store: options.store,
        program: { ...settings, id: programId },
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }),
    );
  }
  const authenticate = tokenChecker(tokenEntries);

  const app = new Hono();
  let openapi: unknown;

  app.onError((error, c) => {
    const { status, body, unexpected } = toErrorResponse(error);
    if (unexpected) logError(`${c.req.method} ${c.req.path} failed`, error);
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="coinage"');
    return c.json(body, status as 400);
  });
  app.notFound((c) =>
    respond(
      c,
      new HttpError("NOT_FOUND", { message: `No endpoint ${c.req.method} ${c.req.path}.` }),
    ),
  );

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: (c) => respond(c, new HttpError("PAYLOAD_TOO_LARGE")),
    }),
  );

  app.get("/health", (c) => c.json(success({ status: "ok" })));
  app.get("/openapi.json", (c) => {
    openapi ??= buildOpenApi(routes);
    return c.json(openapi as object);
  });

  for (const route of routes) {
    app.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
      const programId = authenticate(c.req.header("authorization"));
      const coinage = engines.get(programId) as Coinage;
      const params = route.params === undefined ? undefined : validate(route.params, c.req.param());
      const query = route.query === undefined ? undefined : validate(route.query, c.req.query());
      let raw = route.body === undefined ? undefined : await readJson(c);
      if (route.idempotencyKey === true)
        raw = withIdempotencyKey(raw, c.req.header("idempotency-key"));
      const body = route.body === undefined ? undefined : validate(route.body, raw);
      const payload = await route.handler({ coinage, programId, params, query, body });
      if (route.idempotencyKey === true && (payload as { replayed?: unknown }).replayed === true)
        c.header("Idempotent-Replayed", "true");
      return c.json(success(payload));
    });
  }

  const previewDir = options.previewDir ?? null;
  if (previewDir !== null) {
    app.get("*", async (c, next) => {
      if (c.req.path.startsWith("/api/")) return next();
      const file = await readStatic(previewDir, c.req.path);
      if (file === null) {
        if (c.req.path === "/" && !(await hasIndex(previewDir))) {
          throw new HttpError("PREVIEW_NOT_BUILT", {
            message:
              "The preview page is not built: run `pnpm --filter @coinage/example-browser-preview build`.",
          });
        }
        return next();
      }
      return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
        "content-type": file.contentType,
        "cache-control": file.cacheControl,
        "x-content-type-options": "nosniff",
      });
    });
  }

  return app;
}

function respond(c: Context, error: HttpError): Response {
  const { status, body } = toErrorResponse(error);
  return c.json(body, status as 400);
}

/** `/a/{b}` → `/a/:b`. */
function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

function validate<T>(schema: Schema<T>, value: unknown): T {
  const result = schema.parse(value);
  if (!result.ok) throw invalidInput(result.issues);
  return result.value;
}

/**
 * Stripe's convention: the `Idempotency-Key` header is the request id when
 * the body has none; a body whose `requestId` differs from the header is
 * refused rather than guessed between.
 */
function withIdempotencyKey(body: unknown, key: string | undefined): unknown {
  if (key === undefined) return body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const given = (body as { requestId?: unknown }).requestId;
  if (given === undefined) return { ...body, requestId: key };
  if (given !== key) {
    throw invalidInput({
      path: "requestId",
      message:
        "differs from the Idempotency-Key header; send one of them, or the same value in both",
    });
  }
  return body;
}

/** The JSON body; an empty body counts as `{}`. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError("MALFORMED_JSON");
  }
}

/**
 * Maps an `Authorization: Bearer …` header to its program id, or throws
 * 401. Tokens are compared by digest in constant time.
 */
function tokenChecker(
  entries: readonly (readonly [string, string])[],
): (header: string | undefined) => string {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  const known = entries.map(([token, programId]) => ({ digest: digest(token), programId }));
  return (header) => {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new HttpError("UNAUTHORIZED", { message: "Send `Authorization: Bearer <token>`." });
    }
    const given = digest(match[1] as string);
    let programId: string | null = null;
    for (const entry of known) {
      if (timingSafeEqual(entry.digest, given)) programId = entry.programId;
    }
    if (programId === null)
      throw new HttpError("UNAUTHORIZED", { message: "Unknown bearer token." });
    return programId;
  };
}
