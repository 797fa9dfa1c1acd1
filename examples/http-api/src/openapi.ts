/**
 * The OpenAPI 3.1 document, rendered from the route list and its schemas:
 * the same objects that validate requests describe them here.
 */
import type { Route } from "./routes/route.js";
import type { JSONSchema, RenderContext, Schema } from "./schema.js";
import { envelopeOf, errorEnvelope, health } from "./schemas.js";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Invalid input (INVALID_INPUT, MALFORMED_JSON)",
  401: "Missing or unknown bearer token (UNAUTHORIZED)",
  403: "The companyId is not the token's program (FORBIDDEN_PROGRAM)",
  404: "Not found (EVENT_NOT_FOUND, REQUEST_NOT_FOUND)",
  409: "Conflict (IDEMPOTENCY_CONFLICT, VERSION_CONFLICT, EVENT_EXISTS)",
  413: "Body too large (PAYLOAD_TOO_LARGE)",
  422: "Not possible now (INSUFFICIENT_COINS, EVENT_INACTIVE, NOT_REVERSIBLE, REVERSAL_EXCEEDS_ORIGINAL)",
  500: "A failure on the server's side that retrying will not fix (INTERNAL); it is logged",
  503: "The store is unavailable (STORE_UNAVAILABLE)",
};

/** Always possible on an authenticated route (413: every /api body passes the size limit). */
const COMMON_ERRORS = [400, 401, 413, 500, 503];

/** What each tag groups, for the document's tag list. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  meta: "Liveness and this document; no token needed.",
  "v0 (seed)":
    "The five point-management endpoints of the hosted product coinage replaces, with their request and response shapes.",
  "v1 events": "Coin events as the library defines them: list and read.",
  "v1 ledger":
    "What the library adds: previews, bulk allocation, redemption, reversal, request status, balance (now or at a past instant), history, the expiring-soon list, the change feed and the expiry sweep.",
};

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** The `servers` entry (default `/`: wherever this document was fetched from). */
  readonly serverUrl?: string;
}

const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "The request id, instead of `requestId` in the body (both may be sent when they are equal).",
  schema: { type: "string", minLength: 1, maxLength: 200 },
};

const REPLAYED_HEADER = {
  "Idempotent-Replayed": {
    description:
      "`true` when the request id was booked before with the same payload: the answer is the first result, and nothing was written.",
    schema: { type: "string", enum: ["true"] },
  },
};

export function buildOpenApi(routes: readonly Route[], info: OpenApiInfo = {}): JSONSchema {
  const context: RenderContext = { components: new Map() };
  const errorRef = errorEnvelope.toJSONSchema(context);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const parameters = [
      ...parametersOf(route.params, "path", context),
      ...parametersOf(route.query, "query", context),
      ...(route.idempotencyKey === true ? [IDEMPOTENCY_KEY] : []),
    ];
    const success = jsonResponse("Success", envelopeOf(route.payload).toJSONSchema(context));
    const responses: Record<string, unknown> = {
      200: route.idempotencyKey === true ? { ...success, headers: REPLAYED_HEADER } : success,
    };
    const statuses = [...new Set([...COMMON_ERRORS, ...(route.errors ?? [])])].sort(
      (a, b) => a - b,
    );
    for (const status of statuses) {
      responses[status] = jsonResponse(STATUS_TEXT[status] ?? "Error", errorRef);
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [...route.tags],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { "application/json": { schema: route.body.toJSONSchema(context) } },
            },
          }),
      responses,
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }

  paths["/health"] = {
    get: {
      operationId: "health",
      summary: "Liveness check (no token needed)",
      tags: ["meta"],
      security: [],
      responses: { 200: jsonResponse("Alive", envelopeOf(health).toJSONSchema(context)) },
    },
  };
  paths["/openapi.json"] = {
    get: {
      operationId: "openapi",
      summary: "This document (no token needed)",
      tags: ["meta"],
      security: [],
      responses: {
        200: { description: "The OpenAPI 3.1 document", content: { "application/json": {} } },
      },
    },
  };

  const tags = [...new Set(Object.values(paths).flatMap((item) => Object.values(item)))]
    .flatMap((operation) => (operation as { tags?: string[] }).tags ?? [])
    .filter((tag, i, all) => all.indexOf(tag) === i)
    .sort()
    .map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? name,
    }));
  return {
    openapi: "3.1.0",
    info: {
      title: info.title ?? "coinage HTTP API",
      version: info.version ?? "0.1.0",
      license: { name: "MIT", identifier: "MIT" },
      description:
        info.description ??
        "Coins cashback over HTTP: the seed's point-management endpoints (/api/v0) and what the coinage library adds (/api/v1). Every response is the envelope { response_code, response_message, payload }; response_code is 0 on success and the HTTP status on failure, with a stable `code`.",
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    // Relative: the document is served by the API it describes.
    servers: [{ url: info.serverUrl ?? "/", description: "The server that serves this document" }],
    tags,
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "One token per program (the seed's companyId); see COINAGE_TOKENS.",
        },
      },
      schemas: Object.fromEntries(
        [...context.components.entries()].sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
  };
}

function jsonResponse(description: string, schema: JSONSchema) {
  return { description, content: { "application/json": { schema } } };
}

/** Path or query parameters from an object schema's properties. */
function parametersOf(
  schema: Schema<unknown> | undefined,
  where: "path" | "query",
  context: RenderContext,
) {
  if (schema === undefined) return [];
  const rendered = schema.toJSONSchema(context) as {
    properties?: Record<string, JSONSchema>;
    required?: readonly string[];
  };
  const required = new Set(rendered.required ?? []);
  return Object.entries(rendered.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}
