import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../src/app.js";
import { buildOpenApi } from "../src/openapi.js";
import { allocateV0, defineEvents, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const events = [
    { event: "SHORT", amount: 30, rule: { expiry: { days: 3 } } },
    { event: "WEEK", amount: 50, rule: { expiry: { days: 7 } } },
    { event: "FOREVER", amount: 20 },
  ];
  await defineEvents(server, events);
});
afterAll(async () => {
  await server.close();
});

const allocate = (userId: string, event: string, requestId: string) =>
  allocateV0(server, userId, event, requestId);

describe("GET /api/v1/expiring", () => {
  it("lists users with coins expiring by an instant, earliest first, paged by cursor", async () => {
    const start = server.clock.now().getTime();
    await allocate("wes", "WEEK", "wes-1");
    await allocate("sam", "SHORT", "sam-1");
    await allocate("sam", "WEEK", "sam-2");
    await allocate("fay", "FOREVER", "fay-1");
    await allocate("amy", "WEEK", "amy-1");
    const before = encodeURIComponent(new Date(start + 10 * 86_400_000).toISOString());

    const first = await server.call("GET", `/api/v1/expiring?before=${before}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.payload.items).toEqual([
      { userId: "sam", coins: "80", earliest: new Date(start + 3 * 86_400_000).toISOString() },
      { userId: "amy", coins: "50", earliest: new Date(start + 7 * 86_400_000).toISOString() },
    ]);
    expect(first.json.payload.nextCursor).toEqual(expect.any(String));
    const second = await server.call(
      "GET",
      `/api/v1/expiring?before=${before}&limit=2&cursor=${encodeURIComponent(first.json.payload.nextCursor)}`,
    );
    expect(second.json.payload.items.map((item: { userId: string }) => item.userId)).toEqual([
      "wes",
    ]);
    expect(second.json.payload.nextCursor).toBeNull();

    const soon = encodeURIComponent(new Date(start + 4 * 86_400_000).toISOString());
    const short = await server.call("GET", `/api/v1/expiring?before=${soon}`);
    expect(short.json.payload).toEqual({
      items: [
        { userId: "sam", coins: "30", earliest: new Date(start + 3 * 86_400_000).toISOString() },
      ],
      nextCursor: null,
    });
    const other = await server.call("GET", `/api/v1/expiring?before=${before}`, { token: TOKEN_B });
    expect(other.json.payload).toEqual({ items: [], nextCursor: null });
  });

  it("answers 400 without a valid before, limit or cursor", async () => {
    const missing = await server.call("GET", "/api/v1/expiring");
    expect(missing.status).toBe(400);
    expect(missing.json.details.issues[0].path).toBe("before");
    const bad = await server.call("GET", "/api/v1/expiring?before=2027-01-01T00:00:00Z&cursor=zzz");
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("INVALID_INPUT");
  });

  it("is in the OpenAPI document", () => {
    const doc = buildOpenApi(routes) as {
      paths: Record<
        string,
        Record<string, { operationId: string; parameters: { name: string }[] }>
      >;
    };
    const operation = doc.paths["/api/v1/expiring"]?.get;
    expect(operation?.operationId).toBe("listExpiring");
    expect(operation?.parameters.map((p) => p.name)).toEqual(["before", "limit", "cursor"]);
  });
});
