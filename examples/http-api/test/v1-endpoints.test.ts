import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const events = [
    { event: "SHORT", amount: 30, rule: { expiry: { days: 10 } } },
    { event: "LONG", amount: 50, rule: { expiry: { days: 100 } } },
    { event: "FOREVER", amount: 20 },
    {
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
      },
    },
  ];
  for (const { event, ...rest } of events) {
    const reply = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
      body: { configuration: "DEFAULT", companyId: PROGRAM_A, event, ...rest },
    });
    expect(reply.status).toBe(200);
  }
});
afterAll(async () => {
  await server.close();
});

const allocate = (userId: string, event: string, requestId: string, amount?: string) =>
  server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
    body: {
      companyId: PROGRAM_A,
      userId,
      event,
      requestId,
      ...(amount === undefined ? {} : { amount }),
    },
  });

describe("GET /api/v1/events", () => {
  it("lists events by id, paged by cursor", async () => {
    const first = await server.call("GET", "/api/v1/events?limit=2");
    expect(first.status).toBe(200);
    expect(first.json.payload.items.map((e: { id: string }) => e.id)).toEqual([
      "FOREVER",
      "HOLIDAY_SALE",
    ]);
    expect(first.json.payload.nextCursor).toBe("HOLIDAY_SALE");
    const second = await server.call(
      "GET",
      `/api/v1/events?limit=2&cursor=${first.json.payload.nextCursor}`,
    );
    expect(second.json.payload.items.map((e: { id: string }) => e.id)).toEqual(["LONG", "SHORT"]);
    expect(second.json.payload.nextCursor).toBeNull();
  });

  it("validates limit and shows only the token's program", async () => {
    const bad = await server.call("GET", "/api/v1/events?limit=zero");
    expect(bad.status).toBe(400);
    expect(bad.json.details.issues[0].path).toBe("limit");
    const other = await server.call("GET", "/api/v1/events", { token: TOKEN_B });
    expect(other.json.payload).toEqual({ items: [], nextCursor: null });
  });

  it("gets one event in the library's shape", async () => {
    const reply = await server.call("GET", "/api/v1/events/SHORT");
    expect(reply.json.payload).toMatchObject({
      id: "SHORT",
      reward: { kind: "fixed", coins: "30" },
      expiry: { days: 10 },
      metadata: { configuration: "DEFAULT" },
      version: 1,
    });
    expect((await server.call("GET", "/api/v1/events/SHORT", { token: TOKEN_B })).status).toBe(404);
  });
});

describe("POST /api/v1/preview", () => {
  it("shows the doubled coins inside the promotion window and writes nothing", async () => {
    server.clock.set("2026-12-24T10:00:00Z");
    const reply = await server.call("POST", "/api/v1/preview", {
      body: { event: "HOLIDAY_SALE", userId: "pat", amount: "1000" },
    });
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({
      coins: "400",
      breakdown: { multiplier: "2", promotions: [{ id: "double", multiplier: "2" }] },
    });
    const balance = await server.call("GET", "/api/v1/users/pat/balance");
    expect(balance.json.payload.available).toBe("0");
    expect((await server.call("GET", "/api/v1/users/pat/history")).json.payload.items).toEqual([]);
  });

  it("answers 404 for an unknown event and 400 for a bad amount", async () => {
    const unknown = await server.call("POST", "/api/v1/preview", {
      body: { event: "NOPE", userId: "pat" },
    });
    expect(unknown.status).toBe(404);
    const bad = await server.call("POST", "/api/v1/preview", {
      body: { event: "HOLIDAY_SALE", userId: "pat", amount: "ten" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.details.issues[0].path).toBe("amount");
  });
});

describe("ledger: redeem, reverse, balance, history, expire", () => {
  it("redeems earliest expiry first", async () => {
    server.clock.set("2026-03-10T12:00:00Z");
    expect((await allocate("uma", "FOREVER", "uma-1")).status).toBe(200);
    expect((await allocate("uma", "LONG", "uma-2")).status).toBe(200);
    expect((await allocate("uma", "SHORT", "uma-3")).status).toBe(200);

    const reply = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "uma", coins: "40", requestId: "uma-redeem-1" },
    });
    expect(reply.status).toBe(200);
    const { payload } = reply.json;
    expect(payload.coins).toBe("40");
    expect(payload.value).toBe("10");
    // SHORT (30, 10 days) first, then 10 from LONG.
    expect(payload.lots.map((lot: { coins: string }) => lot.coins)).toEqual(["30", "10"]);
    expect(payload.balance.available).toBe("60");

    const again = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "uma", coins: "40", requestId: "uma-redeem-1" },
    });
    expect(again.json.payload).toEqual({ ...reply.json.payload, replayed: true });
    expect(reply.json.payload.replayed).toBe(false);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(reply.headers.get("idempotent-replayed")).toBeNull();
    const conflict = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "uma", coins: "41", requestId: "uma-redeem-1" },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.json.code).toBe("IDEMPOTENCY_CONFLICT");
  });

  it("answers 422 INSUFFICIENT_COINS and changes nothing", async () => {
    const reply = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "uma", coins: "61", requestId: "uma-redeem-2" },
    });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({
      response_code: 422,
      code: "INSUFFICIENT_COINS",
      details: { available: "60", requested: "61" },
    });
    expect((await server.call("GET", "/api/v0/coins/balance?userId=uma")).json.payload).toBe(60);
  });

  it("validates redeem input", async () => {
    const reply = await server.call("POST", "/api/v1/redeem", {
      body: { userId: "uma", coins: "-5" },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "coins",
      "requestId",
    ]);
  });

  it("reverses a redemption back into its lots, and an allocation out of the balance", async () => {
    const restore = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "uma-cancel-1", of: "uma-redeem-1" },
    });
    expect(restore.status).toBe(200);
    expect(restore.json.payload).toMatchObject({
      kind: "redemption",
      restored: "40",
      balance: { available: "100" },
    });

    const refund = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "uma-refund-1", of: "uma-1", coins: "5" },
    });
    expect(refund.status).toBe(200);
    expect(refund.json.payload).toMatchObject({
      kind: "allocation",
      taken: "5",
      balance: { available: "95" },
    });
  });

  it("refunds part of a purchase by amount, with the rule as booked", async () => {
    const earned = await allocate("rita", "HOLIDAY_SALE", "rita-order-1", "1000");
    expect(earned.status).toBe(200);
    const booked = BigInt(earned.json.payload.coins);
    const half = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "rita-refund-1", of: "rita-order-1", amount: "500" },
    });
    expect(half.status).toBe(200);
    expect(half.json.payload).toMatchObject({ kind: "allocation", amount: "500" });
    const rest = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "rita-refund-2", of: "rita-order-1", amount: "500" },
    });
    expect(BigInt(half.json.payload.coins) + BigInt(rest.json.payload.coins)).toBe(booked);
    const status = await server.call("GET", "/api/v1/requests/rita-order-1");
    expect(status.json.payload).toMatchObject({ amount: "1000", refunded: "1000" });
    expect(status.json.payload.result).not.toHaveProperty("terms");
    const over = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "rita-refund-3", of: "rita-order-1", amount: "1" },
    });
    expect(over.json.code).toBe("REVERSAL_EXCEEDS_ORIGINAL");
    const both = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "rita-refund-4", of: "rita-order-1", amount: "1", coins: "1" },
    });
    expect(both.status).toBe(400);
  });

  it("answers 404 REQUEST_NOT_FOUND when reversing an unknown request", async () => {
    const reply = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "x-1", of: "never-booked" },
    });
    expect(reply.status).toBe(404);
    expect(reply.json.code).toBe("REQUEST_NOT_FOUND");
    // Another program cannot reverse this program's request either.
    const foreign = await server.call("POST", "/api/v1/reverse", {
      body: { requestId: "x-2", of: "uma-1" },
      token: TOKEN_B,
    });
    expect(foreign.status).toBe(404);
  });

  it("returns balance details", async () => {
    const reply = await server.call("GET", "/api/v1/users/uma/balance");
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toMatchObject({
      userId: "uma",
      available: "95",
      pending: "0",
      debt: "0",
      value: "23.75",
      nextExpiry: { at: "2026-03-20T12:00:00.000Z", coins: "30" },
    });
  });

  it("pages the history newest first", async () => {
    const first = await server.call("GET", "/api/v1/users/uma/history?limit=2");
    expect(first.status).toBe(200);
    expect(first.json.payload.items.map((e: { type: string }) => e.type)).toEqual([
      "reverse",
      "restore",
    ]);
    expect(first.json.payload.nextCursor).toEqual(expect.any(String));
    const rest = await server.call(
      "GET",
      `/api/v1/users/uma/history?limit=10&cursor=${first.json.payload.nextCursor}`,
    );
    expect(rest.json.payload.items.map((e: { type: string }) => e.type)).toEqual([
      "redeem",
      "earn",
      "earn",
      "earn",
    ]);
    expect(rest.json.payload.nextCursor).toBeNull();
    const bad = await server.call("GET", "/api/v1/users/uma/history?cursor=nonsense");
    expect(bad.status).toBe(400);
  });

  it("expires lots past their expiry with the sweep", async () => {
    server.clock.set("2026-03-25T00:00:00Z");
    // Expiry is exact at read time, before any sweep.
    expect((await server.call("GET", "/api/v0/coins/balance?userId=uma")).json.payload).toBe(65);
    const reply = await server.call("POST", "/api/v1/expire");
    expect(reply.status).toBe(200);
    expect(reply.json.payload).toEqual({ accounts: 1, lots: 1, coins: "30" });
    const again = await server.call("POST", "/api/v1/expire", { body: {} });
    expect(again.json.payload).toEqual({ accounts: 0, lots: 0, coins: "0" });
    const history = await server.call("GET", "/api/v1/users/uma/history?limit=1");
    expect(history.json.payload.items[0]).toMatchObject({ type: "expire", coins: "-30" });
  });
});

describe("POST /api/v1/allocations/bulk", () => {
  it("answers one result per item, each idempotent", async () => {
    const items = [
      { userId: "v1", event: "FOREVER", requestId: "bulk-1" },
      { userId: "v2", event: "NOPE", requestId: "bulk-2" },
      { userId: "v3", event: "HOLIDAY_SALE", requestId: "bulk-3", amount: "100" },
    ];
    const reply = await server.call("POST", "/api/v1/allocations/bulk", { body: { items } });
    expect(reply.status).toBe(200);
    const [one, two, three] = reply.json.payload;
    expect(one).toMatchObject({ ok: true, replayed: false, result: { coins: "20" } });
    expect(two).toMatchObject({ ok: false, error: { code: "EVENT_NOT_FOUND" } });
    expect(three).toMatchObject({ ok: true, result: { coins: "20" } });

    const again = await server.call("POST", "/api/v1/allocations/bulk", {
      body: { items: [items[0]] },
    });
    expect(again.json.payload[0]).toMatchObject({
      ok: true,
      replayed: true,
      result: { ...one.result, replayed: true },
    });
  });

  it("rejects an empty list", async () => {
    const reply = await server.call("POST", "/api/v1/allocations/bulk", { body: { items: [] } });
    expect(reply.status).toBe(400);
    expect(reply.json.details.issues[0].path).toBe("items");
  });
});

describe("Idempotency-Key header on v1 writes", () => {
  it("takes the header as the request id, answers a repeat as a replay, and refuses a body id that differs", async () => {
    expect((await allocate("kim", "FOREVER", "k-fund-1")).status).toBe(200);
    expect((await allocate("kim", "FOREVER", "k-fund-2")).status).toBe(200);
    const first = await server.call("POST", "/api/v1/redeem", {
      headers: { "Idempotency-Key": "k-redeem-1" },
      body: { userId: "kim", coins: "15" },
    });
    expect(first.status).toBe(200);
    expect(first.json.payload).toMatchObject({ requestId: "k-redeem-1", replayed: false });
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await server.call("POST", "/api/v1/redeem", {
      headers: { "Idempotency-Key": "k-redeem-1" },
      body: { userId: "kim", coins: "15", requestId: "k-redeem-1" },
    });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json.payload).toEqual({ ...first.json.payload, replayed: true });

    const differs = await server.call("POST", "/api/v1/redeem", {
      headers: { "Idempotency-Key": "k-redeem-2" },
      body: { userId: "kim", coins: "15", requestId: "k-redeem-3" },
    });
    expect(differs.status).toBe(400);
    expect(differs.json.details.issues[0].path).toBe("requestId");
    const balance = await server.call("GET", "/api/v1/users/kim/balance");
    expect(balance.json.payload.available).toBe("25");
  });
});
