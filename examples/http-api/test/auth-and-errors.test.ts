import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoinageError, type Store } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../src/app.js";
import { toErrorResponse } from "../src/envelope.js";
import { startServer, type TestServer } from "./helpers.js";

let server: TestServer;
let previewDir: string;

beforeAll(async () => {
  previewDir = await mkdtemp(join(tmpdir(), "coinage-preview-"));
  await writeFile(join(previewDir, "index.html"), "<!doctype html><title>preview</title>");
  await writeFile(join(previewDir, "secret-neighbour.txt"), "not here");
  server = await startServer({ previewDir, maxBodyBytes: 4096 });
});
afterAll(async () => {
  await server.close();
  await rm(previewDir, { recursive: true, force: true });
});

/** One request per route, with valid-looking path parameters. */
const everyRoute = routes.map((route) => ({
  method: route.method.toUpperCase(),
  path: route.path.replace(/\{[^}]+\}/g, "x"),
  body: route.method === "get" ? undefined : {},
}));

describe("auth", () => {
  it.each(everyRoute)(
    "$method $path - should answer 401 without a token",
    async ({ method, path, body }) => {
      const reply = await server.call(method, path, { token: null, body });
      expect(reply.status).toBe(401);
      expect(reply.json).toMatchObject({ response_code: 401, code: "UNAUTHORIZED", payload: null });
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer/);
    },
  );

  it.each(everyRoute)(
    "$method $path - should answer 401 for an unknown token",
    async ({ method, path, body }) => {
      const reply = await server.call(method, path, { token: "guessed", body });
      expect(reply.status).toBe(401);
      expect(reply.json.code).toBe("UNAUTHORIZED");
    },
  );

  it("refuses a non-bearer scheme", async () => {
    const response = await fetch(`${server.url}/api/v0/coins/balance?userId=a`, {
      headers: { authorization: "Basic dG9rZW4tYWNtZTo=" },
    });
    expect(response.status).toBe(401);
  });

  it("leaves /health, /openapi.json and the preview page open", async () => {
    const health = await server.call("GET", "/health", { token: null });
    expect(health.json).toEqual({
      response_code: 0,
      response_message: "Success",
      payload: { status: "ok" },
    });
    expect((await server.call("GET", "/openapi.json", { token: null })).status).toBe(200);
    const page = await server.call("GET", "/", { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain("<title>preview</title>");
  });
});

describe("errors", () => {
  it("answers 404 NOT_FOUND in the envelope for an unknown route or method", async () => {
    for (const [method, path] of [
      ["GET", "/api/v2/nothing"],
      ["DELETE", "/api/v0/enkash-coins/REFERRAL"],
      ["GET", "/no-such-file.js"],
    ] as const) {
      const reply = await server.call(method, path);
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ response_code: 404, code: "NOT_FOUND", payload: null });
    }
  });

  it("never serves files outside the preview directory", async () => {
    for (const path of ["/../secret", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd"]) {
      const reply = await server.call("GET", path, { token: null });
      expect(reply.status).toBe(404);
    }
    expect((await server.call("GET", "/secret-neighbour.txt", { token: null })).text).toBe(
      "not here",
    );
  });

  it("answers 413 for a body over the limit", async () => {
    const reply = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "a", coins: "1", requestId: "big", reason: "x".repeat(10_000) },
    });
    expect(reply.status).toBe(413);
    expect(reply.json.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 400 for a JSON body that is not an object", async () => {
    const reply = await server.call("POST", "/api/v1/redeem", { raw: "[1,2]" });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
  });

  /** A memory store whose reads fail with `error`. */
  const failingStore = (error: () => Error): Store =>
    new Proxy(memoryStore(), {
      get(target, property, receiver) {
        if (property === "getEvent" || property === "loadAccount") {
          return async () => {
            throw error();
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });

  it("answers 503 STORE_UNAVAILABLE without leaking the cause, and logs it", async () => {
    const cause = new Error("connect ECONNREFUSED 10.1.2.3:5432");
    const failing = await startServer({
      store: failingStore(
        () =>
          new CoinageError(
            "STORE_UNAVAILABLE",
            { operation: "loadAccount" },
            { message: `The store failed: ${cause.message}`, cause },
          ),
      ),
    });
    try {
      const reply = await failing.call("GET", "/api/v0/coins/balance?userId=a");
      expect(reply.status).toBe(503);
      expect(reply.json).toMatchObject({
        response_code: 503,
        code: "STORE_UNAVAILABLE",
        payload: null,
      });
      expect(reply.text).not.toContain("ECONNREFUSED");
      expect(reply.text).not.toMatch(/\bat \S+ \(/);
      expect(failing.logged).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });

  it("answers 500 INTERNAL for a store failure that is not an outage, without leaking it, and logs it", async () => {
    const failing = await startServer({
      store: failingStore(() => new TypeError("cannot read properties of undefined (secret)")),
    });
    try {
      const reply = await failing.call("GET", "/api/v0/coins/balance?userId=a");
      expect(reply.status).toBe(500);
      expect(reply.json).toEqual({
        response_code: 500,
        response_message: "Something went wrong on our side; it has been logged.",
        code: "INTERNAL",
        payload: null,
      });
      expect(reply.text).not.toContain("secret");
      expect(failing.logged).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });

  it("turns any other failure into 500 INTERNAL with the generic sentence", () => {
    const { status, body, unexpected } = toErrorResponse(new TypeError("secret detail"));
    expect(status).toBe(500);
    expect(unexpected).toBe(true);
    expect(body).toEqual({
      response_code: 500,
      response_message: "Something went wrong on our side; it has been logged.",
      code: "INTERNAL",
      payload: null,
    });
  });
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document describing every route", async () => {
    const reply = await server.call("GET", "/openapi.json", { token: null });
    const doc = reply.json;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: "http", scheme: "bearer" }),
    );
    for (const route of routes) {
      const operation = doc.paths[route.path]?.[route.method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.responses["200"]).toBeDefined();
      expect(operation.responses["401"]).toBeDefined();
      for (const name of route.path.match(/\{([^}]+)\}/g) ?? []) {
        const param = operation.parameters.find((p: { name: string }) => `{${p.name}}` === name);
        expect(param, `${route.path} ${name}`).toMatchObject({ in: "path", required: true });
      }
      if (route.body !== undefined) {
        expect(operation.requestBody.content["application/json"].schema).toEqual(
          expect.any(Object),
        );
      }
    }
    expect(doc.paths["/health"].get.security).toEqual([]);
    expect(doc.paths["/openapi.json"].get.security).toEqual([]);

    // Every $ref points at a schema in components.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it("documents the seed's request bodies from the validating schemas", async () => {
    const doc = (await server.call("GET", "/openapi.json", { token: null })).json;
    const create =
      doc.paths["/api/v0/enkash-coins/create-coins-config"].post.requestBody.content[
        "application/json"
      ].schema;
    expect(create.required).toEqual(["configuration", "companyId", "event"]);
    expect(create.properties.configuration.enum).toEqual(["DEFAULT", "CUSTOM"]);
    expect(create.properties.amount.type).toBe("integer");
    expect(create.additionalProperties).toBe(false);
    const balance = doc.paths["/api/v0/coins/balance"].get.parameters;
    expect(balance).toContainEqual(
      expect.objectContaining({ name: "userId", in: "query", required: true }),
    );
  });
});
