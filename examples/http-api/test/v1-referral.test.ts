import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, startServer, type TestServer } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  for (const [event, amount] of [
    ["REFER", 300],
    ["WELCOME", 50],
  ] as const) {
    const created = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
      body: { configuration: "DEFAULT", companyId: PROGRAM_A, event, amount },
    });
    expect(created.status).toBe(200);
  }
});
afterAll(async () => {
  await server.close();
});

const body = { referrer: "ria", referee: "sam", event: "REFER", refereeEvent: "WELCOME" };

describe("POST /api/v1/referrals", () => {
  it("books both bonuses once, and replays the pair", async () => {
    const first = await server.call("POST", "/api/v1/referrals", {
      body: { ...body, requestId: "ria-sam" },
    });
    expect(first.status).toBe(200);
    expect(first.json.payload).toMatchObject({
      replayed: false,
      referrer: { userId: "ria", coins: "300" },
      referee: { userId: "sam", coins: "50", requestId: "ria-sam:referee" },
    });
    const again = await server.call("POST", "/api/v1/referrals", {
      body: { ...body, requestId: "ria-sam" },
    });
    expect(again.json.payload.replayed).toBe(true);
    expect((await server.call("GET", "/api/v0/coins/balance?userId=ria")).json.payload).toBe(300);
  });

  it("refuses a self-referral with 400", async () => {
    const reply = await server.call("POST", "/api/v1/referrals", {
      body: { ...body, referee: "ria", requestId: "self" },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
  });
});
