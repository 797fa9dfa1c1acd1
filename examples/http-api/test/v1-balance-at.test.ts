import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocateV0, defineEvents, startServer, type TestServer } from "./helpers.js";

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

describe("GET /api/v1/users/{userId}/balance?at=", () => {
  it("answers the balance as it stood at a past instant", async () => {
    const start = server.clock.now().toISOString();
    await allocate("tara", "SHORT", "tara-a1");
    server.clock.advanceDays(1);
    const between = server.clock.now().toISOString();
    server.clock.advanceDays(1);
    await server.call("POST", "/api/v1/redeem", {
      body: { userId: "tara", coins: "10", requestId: "tara-r1" },
    });
    await allocate("tara", "FOREVER", "tara-a2");
    server.clock.advanceDays(20);

    const now = await server.call("GET", "/api/v1/users/tara/balance");
    expect(now.json.payload).toMatchObject({ available: "20", nextExpiry: null });
    const then = await server.call(
      "GET",
      `/api/v1/users/tara/balance?at=${encodeURIComponent(between)}`,
    );
    expect(then.status).toBe(200);
    expect(then.json.payload).toMatchObject({
      available: "30",
      pending: "0",
      debt: "0",
      asOf: between,
      nextExpiry: { coins: "30" },
    });
    const before = await server.call(
      "GET",
      `/api/v1/users/tara/balance?at=${encodeURIComponent(new Date(Date.parse(start) - 1).toISOString())}`,
    );
    expect(before.json.payload).toMatchObject({ available: "0", nextExpiry: null });
  });

  it("answers 400 for an instant that is not one", async () => {
    const reply = await server.call("GET", "/api/v1/users/tara/balance?at=yesterday");
    expect(reply.status).toBe(400);
    expect(reply.json.details.issues[0].path).toBe("at");
  });
});
