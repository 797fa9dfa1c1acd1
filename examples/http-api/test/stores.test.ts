/**
 * The same seed flow over every store `main.ts` can open (COINAGE_STORE):
 * memory always; Postgres and Redis when reachable at DATABASE_URL /
 * REDIS_URL (or their local defaults). An unreachable server skips its
 * suite with one line, except under CI=true, where it fails.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../src/config.js";
import { type OpenStore, openStore } from "../src/stores.js";
import { startServer, type TestServer } from "./helpers.js";

const suffix = randomBytes(4).toString("hex");
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PG_SCHEMA = `coinage_http_${suffix}`;
const REDIS_PREFIX = `coinage-http-test-${suffix}`;

async function reachable(kind: "postgres" | "redis"): Promise<string | null> {
  try {
    if (kind === "postgres") {
      const client = new pg.Client({
        connectionString: DATABASE_URL,
        connectionTimeoutMillis: 2_000,
      });
      await client.connect();
      await client.end();
    } else {
      const client = new Redis(REDIS_URL, {
        lazyConnect: true,
        connectTimeout: 2_000,
        maxRetriesPerRequest: 0,
      });
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    }
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const stores: { name: string; config: Config["store"]; cleanup: () => Promise<void> }[] = [
  { name: "memory", config: { kind: "memory" }, cleanup: async () => {} },
  {
    name: "postgres",
    config: { kind: "postgres", url: DATABASE_URL, schema: PG_SCHEMA },
    async cleanup() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
      await client.end();
    },
  },
  {
    name: "redis",
    config: { kind: "redis", url: REDIS_URL, prefix: REDIS_PREFIX },
    async cleanup() {
      const client = new Redis(REDIS_URL);
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", `${REDIS_PREFIX}*`, "COUNT", 500);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      await client.quit();
    },
  },
];

const availability = new Map<string, string | null>([
  ["memory", null],
  ["postgres", await reachable("postgres")],
  ["redis", await reachable("redis")],
]);

for (const { name, config, cleanup } of stores) {
  const reason = availability.get(name) ?? null;
  const skip = reason !== null && process.env.CI !== "true";
  if (skip) console.log(`[stores.test] skipping ${name}: ${reason}`);

  describe.skipIf(skip)(`seed flow over the ${name} store`, () => {
    let opened: OpenStore;
    let server: TestServer;
    const program = `acme_${suffix}`;
    const token = `token-${name}`;

    beforeAll(async () => {
      opened = await openStore(config);
      server = await startServer({
        store: opened.store,
        tokens: { [token]: program },
        programs: {},
      });
    });
    afterAll(async () => {
      await server?.close();
      await opened?.close();
      await cleanup();
    });

    const call = (method: string, path: string, body?: unknown) =>
      server.call(method, path, { token, ...(body === undefined ? {} : { body }) });

    it("create, get and update an event", async () => {
      const created = await call("POST", "/api/v0/enkash-coins/create-coins-config", {
        configuration: "CUSTOM",
        companyId: program,
        event: "PURCHASE",
        rule: {
          reward: {
            kind: "tiered",
            tiers: [
              { from: "0", percent: "5" },
              { from: "10000", percent: "10" },
            ],
          },
          expiry: { endOf: "month", plus: 3 },
        },
      });
      expect(created.status).toBe(200);
      const got = await call("GET", "/api/v0/enkash-coins/PURCHASE");
      expect(got.json.payload).toEqual(created.json.payload);
      const updated = await call("PATCH", "/api/v0/enkash-coins/PURCHASE", {
        rule: { caps: { perAllocation: "300" } },
        expectedVersion: 1,
      });
      expect(updated.json.payload).toMatchObject({
        version: 2,
        rule: { caps: { perAllocation: "300" } },
      });
      const stale = await call("PATCH", "/api/v0/enkash-coins/PURCHASE", {
        amount: 1,
        expectedVersion: 1,
      });
      expect(stale.status).toBe(409);
    });

    it("allocates once per requestId, even when the same request arrives concurrently", async () => {
      const body = {
        companyId: program,
        event: "PURCHASE",
        requestId: "order-1",
        userId: "u1",
        amount: "2000",
      };
      const replies = await Promise.all(
        Array.from({ length: 5 }, () => call("POST", "/api/v0/enkash-coins/allocate-coin", body)),
      );
      // One books; the others answer its result as replays.
      const unmarked = (json: { payload: object }) => ({
        ...json,
        payload: { ...json.payload, replayed: undefined },
      });
      for (const reply of replies) {
        expect(reply.status).toBe(200);
        expect(unmarked(reply.json)).toEqual(unmarked(replies[0]?.json));
      }
      expect(replies.filter((reply) => reply.json.payload.replayed === false)).toHaveLength(1);
      // 5% of 2000 = 100 at the default 0.25 per coin = 400 coins, capped at 300.
      expect(replies[0]?.json.payload).toMatchObject({
        coins: "300",
        expiresAt: "2026-07-01T00:00:00.000Z",
      });
      const balance = await call("GET", "/api/v0/coins/balance?userId=u1");
      expect(balance.json.payload).toBe(300);
      const conflict = await call("POST", "/api/v0/enkash-coins/allocate-coin", {
        ...body,
        amount: "2001",
      });
      expect(conflict.status).toBe(409);
    });

    it("redeems, reverses and pages the history", async () => {
      const redeemed = await call("POST", "/api/v1/redeem", {
        userId: "u1",
        coins: "120",
        requestId: "spend-1",
      });
      expect(redeemed.json.payload).toMatchObject({ coins: "120", balance: { available: "180" } });
      const short = await call("POST", "/api/v1/redeem", {
        userId: "u1",
        coins: "181",
        requestId: "spend-2",
      });
      expect(short.status).toBe(422);
      const reversed = await call("POST", "/api/v1/reverse", {
        requestId: "cancel-1",
        of: "spend-1",
      });
      expect(reversed.json.payload).toMatchObject({
        restored: "120",
        balance: { available: "300" },
      });
      const history = await call("GET", "/api/v1/users/u1/history?limit=2");
      expect(history.json.payload.items.map((e: { type: string }) => e.type)).toEqual([
        "restore",
        "redeem",
      ]);
      const rest = await call(
        "GET",
        `/api/v1/users/u1/history?cursor=${history.json.payload.nextCursor}`,
      );
      expect(rest.json.payload.items.map((e: { type: string }) => e.type)).toEqual(["earn"]);
    });
  });
}

describe.skipIf(availability.get("postgres") !== null && process.env.CI !== "true")(
  "the postgres pool",
  () => {
    it("an idle connection terminated by the server - is reported and dropped, and the server keeps answering", async () => {
      const schema = `coinage_http_idle_${suffix}`;
      const dropped: Error[] = [];
      const opened = await openStore({ kind: "postgres", url: DATABASE_URL, schema }, (error) =>
        dropped.push(error),
      );
      const server = await startServer({
        store: opened.store,
        tokens: { "token-idle": "idle" },
        programs: {},
      });
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      try {
        const before = await server.call("GET", "/api/v0/coins/balance?userId=u", {
          token: "token-idle",
        });
        expect(before.status).toBe(200);
        // The pool's connections are idle now; their last statements name the schema.
        const { rows } = await admin.query(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
           WHERE state = 'idle' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'`,
          [schema],
        );
        expect(rows.length).toBeGreaterThan(0);
        for (let i = 0; i < 100 && dropped.length < rows.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(dropped.length).toBe(rows.length);
        const after = await server.call("GET", "/api/v0/coins/balance?userId=u", {
          token: "token-idle",
        });
        expect(after.status).toBe(200);
      } finally {
        await server.close();
        await opened.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    });
  },
);
