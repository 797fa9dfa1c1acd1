import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAM_A, startServer, type TestServer } from "./helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const created = await server.call("POST", "/api/v0/enkash-coins/create-coins-config", {
    body: { configuration: "DEFAULT", companyId: PROGRAM_A, event: "SIGNUP", amount: 25 },
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe("POST /api/v1/users/{userId}/erase", () => {
  it("forfeits the coins, moves the account to a pseudonym and leaves the user id fresh", async () => {
    const earned = await server.call("POST", "/api/v0/enkash-coins/allocate-coin", {
      body: { companyId: PROGRAM_A, userId: "zoe", event: "SIGNUP", requestId: "zoe-1" },
    });
    expect(earned.status).toBe(200);
    const erased = await server.call("POST", "/api/v1/users/zoe/erase");
    expect(erased.status).toBe(200);
    expect(erased.json.payload).toMatchObject({ forfeited: "25", debt: "0" });
    const pseudonym = erased.json.payload.pseudonym as string;
    expect(pseudonym).toMatch(/^erased-/);
    expect((await server.call("GET", "/api/v0/coins/balance?userId=zoe")).json.payload).toBe(0);
    const request = await server.call("GET", "/api/v1/requests/zoe-1");
    expect(request.json.payload.userId).toBe(pseudonym);
    expect(JSON.stringify(request.json.payload)).not.toContain('"zoe"');
    const books = await server.call("GET", "/api/v1/liability");
    expect(books.json.payload).toMatchObject({ earned: "25", expired: "25", outstanding: "0" });
  });
});
