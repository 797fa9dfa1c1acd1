import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, PROGRAM_B, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    programs: {
      [PROGRAM_A]: {
        coinValue: "0.25",
        levels: {
          ladder: [
            { id: "SILVER", from: "100" },
            { id: "GOLD", from: "500" },
          ],
        },
      },
      [PROGRAM_B]: { coinValue: "1" },
    },
  });
  const created = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
    body: {
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "BIG",
      amount: 300,
      rule: { levels: [{ level: "SILVER", multiplier: "1.5" }] },
    },
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

const allocate = (requestId: string) =>
  server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
    body: { companyId: PROGRAM_A, userId: "lea", event: "BIG", requestId },
  });

describe("GET /api/v1/users/{userId}/level", () => {
  it("answers the member's level, and allocations at a level carry its multiplier", async () => {
    const before = await server.call("GET", "/api/v1/users/lea/level");
    expect(before.status).toBe(200);
    expect(before.json.payload).toMatchObject({
      userId: "lea",
      level: null,
      qualifying: "0",
      window: { months: 12, first: "2025-04", last: "2026-03" },
      next: { level: "SILVER", from: "100", missing: "100" },
    });
    const first = await allocate("lea-1");
    expect(first.json.payload.coins).toBe("300");
    const second = await allocate("lea-2");
    expect(second.json.payload.coins).toBe("450");
    expect(second.json.payload.breakdown.level).toEqual({ id: "SILVER", multiplier: "1.5" });
    const after = await server.call("GET", "/api/v1/users/lea/level");
    expect(after.json.payload).toMatchObject({ level: "GOLD", qualifying: "750", next: null });
  });

  it("answers 400 INVALID_INPUT for a program without levels", async () => {
    const reply = await server.call("GET", "/api/v1/users/lea/level", { token: TOKEN_B });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
  });
});
