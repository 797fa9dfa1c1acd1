import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, startServer, type TestServer, TOKEN_B } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const created = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
    body: {
      configuration: "DEFAULT",
      companyId: PROGRAM_A,
      event: "WELCOME",
      amount: 100,
      rule: { activation: { days: 7 } },
    },
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe("GET /api/v1/liability", () => {
  it("answers the program's outstanding coins, their value and its totals", async () => {
    for (const userId of ["ana", "ben"]) {
      const reply = await server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
        body: { companyId: PROGRAM_A, userId, event: "WELCOME", requestId: `w-${userId}` },
      });
      expect(reply.status).toBe(200);
    }
    const now = await server.call("GET", "/api/v1/liability");
    expect(now.status).toBe(200);
    expect(now.json.payload).toMatchObject({
      available: "0",
      pending: "200",
      outstanding: "200",
      value: "50",
      earned: "200",
      debt: "0",
    });
    const later = await server.call("GET", "/api/v1/liability?at=2026-03-20T00:00:00Z");
    expect(later.json.payload).toMatchObject({ available: "200", pending: "0" });
    // Another program's books are its own.
    const other = await server.call("GET", "/api/v1/liability", { token: TOKEN_B });
    expect(other.json.payload).toMatchObject({ earned: "0", outstanding: "0" });
  });

  it("answers 400 for an instant before now", async () => {
    const reply = await server.call("GET", "/api/v1/liability?at=2026-03-01T00:00:00Z");
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("INVALID_INPUT");
  });
});
