import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../src/app.js";
import { buildOpenApi } from "../src/openapi.js";
import { allocateV0, defineEvents, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const events = [
    { event: "SHORT", amount: 30, rule: { expiry: { days: 10 } } },
    { event: "FOREVER", amount: 20 },
  ];
  await defineEvents(server, events);
});
afterAll(async () => {
  await server.close();
});

const allocate = (userId: string, event: string, requestId: string) =>
  allocateV0(server, userId, event, requestId);

describe("GET /api/v1/requests/{requestId}", () => {
  it("answers a booked request with its kind, user, coins, reversal progress and first result", async () => {
    expect((await allocate("rita", "FOREVER", "rita-a1")).status).toBe(200);
    const redeemed = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "rita", coins: "8", requestId: "rita-r1" },
    });
    expect(redeemed.status).toBe(200);
    await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "rita-v1", of: "rita-r1", coins: "3" },
    });

    const reply = await server.call("GET", "/api/v1/requests/rita-a1");
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({
      requestId: "rita-a1",
      kind: "allocate",
      userId: "rita",
      coins: "20",
      reversed: "0",
      result: { requestId: "rita-a1", coins: "20", event: "FOREVER", replayed: false },
    });
    const redemption = await server.call("GET", "/api/v1/requests/rita-r1");
    expect(redemption.json.payload).toMatchObject({
      kind: "redeem",
      coins: "8",
      reversed: "3",
      result: redeemed.json.payload,
    });
    const reversal = await server.call("GET", "/api/v1/requests/rita-v1");
    expect(reversal.json.payload).toMatchObject({ kind: "reverse", result: { of: "rita-r1" } });
  });

  it("answers 404 REQUEST_NOT_FOUND for an unknown id or another program's request", async () => {
    const unknown = await server.call("GET", "/api/v1/requests/never-booked");
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("REQUEST_NOT_FOUND");
    expect(unknown.json.details).toEqual({ requestId: "never-booked" });
    await allocate("rita", "FOREVER", "rita-a2");
    const foreign = await server.call("GET", "/api/v1/requests/rita-a2", { token: TOKEN_B });
    expect(foreign.status).toBe(404);
  });

  it("is in the OpenAPI document", () => {
    const doc = buildOpenApi(routes) as {
      paths: Record<string, Record<string, { operationId: string; responses: object }>>;
    };
    const operation = doc.paths["/api/v1/requests/{requestId}"]?.get;
    expect(operation?.operationId).toBe("getRequest");
    expect(Object.keys(operation?.responses ?? {})).toContain("404");
  });
});
