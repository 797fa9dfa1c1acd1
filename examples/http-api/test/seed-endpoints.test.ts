import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const create = (body: unknown, token?: string) =>
  server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
    body,
    ...(token === undefined ? {} : { token }),
  });

const holidaySale = {
  configuration: "CUSTOM",
  companyId: PROGRAM_A,
  event: "HOLIDAY_SALE",
  rule: {
    reward: { kind: "percentage", percent: "5" },
    promotions: [
      {
        id: "double",
        multiplier: "2",
        from: "2026-12-20T00:00:00Z",
        until: "2027-01-01T00:00:00Z",
      },
    ],
    caps: { perAllocation: "5000" },
    expiry: { days: 90 },
  },
};

describe("Create Event - POST /api/v0/enkash-coins/create-coins-config", () => {
  it("creates a fixed event from the seed's amount, with the event name as its id", async () => {
    const reply = await create({
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "REFERRAL",
      amount: 100,
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      response_code: 0,
      response_message: "Success",
      payload: {
        coinConfigId: "REFERRAL",
        companyId: PROGRAM_A,
        event: "REFERRAL",
        configuration: "DEFAULT",
        amount: 100,
        status: "active",
        version: 1,
        rule: { status: "active", reward: { kind: "fixed", coins: "100" } },
      },
    });
  });

  it("creates a richer event from the rule field", async () => {
    const reply = await create(holidaySale);
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({
      coinConfigId: "HOLIDAY_SALE",
      configuration: "CUSTOM",
      amount: null,
      rule: {
        reward: { kind: "percentage", percent: "5" },
        promotions: [{ id: "double", multiplier: "2" }],
        caps: { perAllocation: "5000" },
        expiry: { days: 90 },
      },
    });
  });

  it("answers 409 EVENT_EXISTS for an event name already used in the program", async () => {
    const reply = await create({
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "REFERRAL",
      amount: 5,
    });
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ response_code: 409, code: "EVENT_EXISTS", payload: null });
  });

  it("lets another program use the same event name", async () => {
    const reply = await create(
      { configuration: "DEFAULT", companyId: "globex", event: "REFERRAL", amount: 7 },
      TOKEN_B,
    );
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({ companyId: "globex", amount: 7 });
  });

  it("answers 403 FORBIDDEN_PROGRAM when companyId is not the token's program", async () => {
    const reply = await create({
      configuration: "DEFAULT",
      companyId: "globex",
      event: "SIGNUP",
      amount: 5,
    });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ response_code: 403, code: "FORBIDDEN_PROGRAM" });
    // Nothing was created in either program.
    expect((await server.call("GET", "/api/v0/enkash-coins/SIGNUP")).status).toBe(404);
    expect(
      (await server.call("GET", "/api/v0/enkash-coins/SIGNUP", { token: TOKEN_B })).status,
    ).toBe(404);
  });

  it("lists every missing or wrong field with its path", async () => {
    const reply = await create({ configuration: "SOMETIMES", amount: -1, extra: true });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
    const paths = reply.json.details.issues.map((issue: { path: string }) => issue.path).sort();
    expect(paths).toEqual(["amount", "companyId", "configuration", "event", "extra"]);
  });

  it("reports rule problems found by core at the request's own paths", async () => {
    const reply = await create({
      configuration: "CUSTOM",
      companyId: PROGRAM_A,
      event: "BAD_TIERS",
      rule: {
        reward: {
          kind: "tiered",
          tiers: [
            { from: "5000", percent: "10" },
            { from: "0", percent: "5" },
          ],
        },
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
    for (const issue of reply.json.details.issues)
      expect(issue.path).toMatch(/^rule\.reward\.tiers/);
  });

  it("needs amount or rule.reward, and not both", async () => {
    const neither = await create({ configuration: "DEFAULT", companyId: PROGRAM_A, event: "X1" });
    expect(neither.status).toBe(400);
    expect(neither.json.details.issues[0].path).toBe("amount");
    const both = await create({
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "X1",
      amount: 5,
      rule: { reward: { kind: "fixed", coins: "5" } },
    });
    expect(both.status).toBe(400);
    expect(both.json.details.issues[0].path).toBe("rule.reward");
  });

  it("answers 400 MALFORMED_JSON for a body that is not JSON", async () => {
    const reply = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
      raw: '{"event": ',
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ response_code: 400, code: "MALFORMED_JSON", payload: null });
  });
});

describe("Get Event - GET /api/v0/enkash-coins/{coinConfigId}", () => {
  it("returns the event", async () => {
    const reply = await server.call("GET", "/api/v0/enkash-coins/REFERRAL");
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({ coinConfigId: "REFERRAL", amount: 100, version: 1 });
  });

  it("answers 404 EVENT_NOT_FOUND for an unknown id", async () => {
    const reply = await server.call("GET", "/api/v0/enkash-coins/NOPE");
    expect(reply.status).toBe(404);
    expect(reply.json).toMatchObject({
      response_code: 404,
      code: "EVENT_NOT_FOUND",
      payload: null,
    });
  });

  it("never shows another program's event", async () => {
    const reply = await server.call("GET", "/api/v0/enkash-coins/HOLIDAY_SALE", { token: TOKEN_B });
    expect(reply.status).toBe(404);
    // Each program sees its own REFERRAL.
    const own = await server.call("GET", "/api/v0/enkash-coins/REFERRAL", { token: TOKEN_B });
    expect(own.json.payload).toMatchObject({ companyId: "globex", amount: 7 });
  });
});

describe("Update Event - PATCH /api/v0/enkash-coins/{coinConfigId}", () => {
  const patch = (id: string, body: unknown, token?: string) =>
    server.call("PATCH", `/api/v0/enkash-coins/${id}`, {
      body,
      ...(token === undefined ? {} : { token }),
    });

  it("changes the amount and bumps the version", async () => {
    await create({ configuration: "DEFAULT", companyId: PROGRAM_A, event: "WELCOME", amount: 50 });
    const reply = await patch("WELCOME", { amount: 75 });
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({ amount: 75, version: 2 });
  });

  it("changes the configuration label and rule fields, and removes one with null", async () => {
    const reply = await patch("WELCOME", {
      configuration: "CUSTOM",
      rule: {
        expiry: { endOf: "month", plus: 3 },
        caps: { perUser: [{ coins: "500", period: "month" }] },
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({
      configuration: "CUSTOM",
      version: 3,
      rule: {
        expiry: { endOf: "month", plus: 3 },
        caps: { perUser: [{ coins: "500", period: "month" }] },
      },
    });
    const removed = await patch("WELCOME", { rule: { caps: null } });
    expect(removed.json.payload.rule.caps).toBeUndefined();
    expect(removed.json.payload.configuration).toBe("CUSTOM");
  });

  it("answers 409 VERSION_CONFLICT for a stale expectedVersion", async () => {
    const reply = await patch("WELCOME", { amount: 80, expectedVersion: 1 });
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ code: "VERSION_CONFLICT", details: { expectedVersion: 1 } });
  });

  it("refuses a rename, another program's companyId, an unknown event and a bad rule", async () => {
    const rename = await patch("WELCOME", { event: "HELLO" });
    expect(rename.status).toBe(400);
    expect(rename.json.details.issues[0].path).toBe("event");

    const foreign = await patch("WELCOME", { companyId: "globex", amount: 1 });
    expect(foreign.status).toBe(403);
    expect(foreign.json.code).toBe("FORBIDDEN_PROGRAM");

    const unknown = await patch("NOPE", { amount: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("EVENT_NOT_FOUND");

    const otherProgram = await patch("WELCOME", { amount: 1 }, TOKEN_B);
    expect(otherProgram.status).toBe(404);

    const bad = await patch("WELCOME", {
      rule: { reward: { kind: "percentage", percent: "5000" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.details.issues[0].path).toBe("rule.reward.percent");
  });

  it("accepts the seed's echo of the same name and companyId as a no-op", async () => {
    const before = (await server.call("GET", "/api/v0/enkash-coins/WELCOME")).json.payload;
    const reply = await patch("WELCOME", { event: "WELCOME", companyId: PROGRAM_A });
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toEqual(before);
  });
});

describe("Allocate Coins - POST /api/v0/enkash-coins/allocate-coin", () => {
  const allocate = (body: unknown, token?: string) =>
    server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
      body,
      ...(token === undefined ? {} : { token }),
    });

  it("allocates a fixed reward", async () => {
    const reply = await allocate({
      companyId: PROGRAM_A,
      event: "REFERRAL",
      requestId: "r-1",
      userId: "alice",
    });
    expect(reply.status).toBe(200);
    expect(reply.json.response_code).toBe(0);
    expect(reply.json.payload).toMatchObject({
      requestId: "r-1",
      userId: "alice",
      event: "REFERRAL",
      coins: "100",
      balance: { available: "100" },
    });
  });

  it("replays the same requestId with the same payload without writing again", async () => {
    const body = { companyId: PROGRAM_A, event: "REFERRAL", requestId: "r-2", userId: "bob" };
    const first = await allocate(body);
    server.clock.advanceDays(1);
    const second = await allocate(body);
    expect(second.status).toBe(200);
    expect(second.json).toEqual({
      ...first.json,
      payload: { ...first.json.payload, replayed: true },
    });
    const balance = await server.call("GET", "/api/v0/coins/balance?userId=bob");
    expect(balance.json.payload).toBe(100);
  });

  it("answers 409 IDEMPOTENCY_CONFLICT for a reused requestId with another payload", async () => {
    const reply = await allocate({
      companyId: PROGRAM_A,
      event: "REFERRAL",
      requestId: "r-2",
      userId: "carol",
    });
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({
      response_code: 409,
      code: "IDEMPOTENCY_CONFLICT",
      details: { requestId: "r-2" },
    });
  });

  it("uses the transaction amount for a percentage rule", async () => {
    server.clock.set("2026-03-10T12:00:00Z");
    const reply = await allocate({
      companyId: PROGRAM_A,
      event: "HOLIDAY_SALE",
      requestId: "r-3",
      userId: "dave",
      amount: "1000.00",
    });
    expect(reply.status).toBe(200);
    // 5% of 1000 = 50 currency = 200 coins at 0.25 per coin (no promotion in March).
    expect(reply.json.payload).toMatchObject({
      coins: "200",
      breakdown: { rule: "percentage", multiplier: "1" },
    });
    expect(reply.json.payload.expiresAt).toBe("2026-06-08T12:00:00.000Z");
  });

  it("answers 400 when a percentage rule gets no amount", async () => {
    const reply = await allocate({
      companyId: PROGRAM_A,
      event: "HOLIDAY_SALE",
      requestId: "r-4",
      userId: "dave",
    });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
  });

  it("answers 404 for an unknown event, 403 for another program, 400 for missing fields", async () => {
    const unknown = await allocate({
      companyId: PROGRAM_A,
      event: "NOPE",
      requestId: "r-5",
      userId: "erin",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("EVENT_NOT_FOUND");

    const foreign = await allocate({
      companyId: "globex",
      event: "REFERRAL",
      requestId: "r-6",
      userId: "erin",
    });
    expect(foreign.status).toBe(403);

    const missing = await allocate({ companyId: PROGRAM_A, event: "REFERRAL" });
    expect(missing.status).toBe(400);
    expect(missing.json.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "requestId",
      "userId",
    ]);

    const badAmount = await allocate({
      companyId: PROGRAM_A,
      event: "REFERRAL",
      requestId: "r-7",
      userId: "erin",
      amount: 0.1,
    });
    expect(badAmount.status).toBe(400);
    expect(badAmount.json.details.issues[0].path).toBe("amount");
  });

  it("answers 422 EVENT_INACTIVE for a paused event", async () => {
    await create({
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "PAUSED",
      amount: 10,
      rule: { status: "paused" },
    });
    const reply = await allocate({
      companyId: PROGRAM_A,
      event: "PAUSED",
      requestId: "r-8",
      userId: "erin",
    });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: "EVENT_INACTIVE", details: { reason: "paused" } });
  });
});

describe("Get Balance - GET /api/v0/coins/balance", () => {
  it("returns the available coins as an integer", async () => {
    const reply = await server.call("GET", "/api/v0/coins/balance?userId=alice");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ response_code: 0, response_message: "Success", payload: 100 });
  });

  it("is 0 for a user never seen, and per program", async () => {
    expect((await server.call("GET", "/api/v0/coins/balance?userId=nobody")).json.payload).toBe(0);
    expect(
      (await server.call("GET", "/api/v0/coins/balance?userId=alice", { token: TOKEN_B })).json
        .payload,
    ).toBe(0);
  });

  it("needs userId and refuses another program's companyId", async () => {
    const missing = await server.call("GET", "/api/v0/coins/balance");
    expect(missing.status).toBe(400);
    expect(missing.json.details.issues[0].path).toBe("userId");
    const foreign = await server.call("GET", "/api/v0/coins/balance?userId=alice&companyId=globex");
    expect(foreign.status).toBe(403);
    const own = await server.call(
      "GET",
      `/api/v0/coins/balance?userId=alice&companyId=${PROGRAM_A}`,
    );
    expect(own.json.payload).toBe(100);
  });
});
