/**
 * The adapter layer: a pool, a single client and PGlite each work, and a
 * single client is never asked to hold two transactions at once.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toDriver } from "../src/client.js";
import { migrate, postgresStore } from "../src/index.js";
import { checkInvariants } from "./support/invariants.js";
import { allocate, balanceOf, NO_READS, redeem } from "./support/ledger.js";
import {
  DATABASE_URL,
  type Fixture,
  ident,
  newPool,
  skipServerTests,
  uniqueSchema,
} from "./support/server.js";

const skipServer = await skipServerTests("client.test.ts");

describe("toDriver", () => {
  it("should tell a pool, a single client and PGlite apart", async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    const db = new PGlite();
    try {
      expect(toDriver(pool).kind).toBe("pool");
      expect(toDriver(client).kind).toBe("client");
      expect(toDriver(db).kind).toBe("pglite");
    } finally {
      await pool.end();
      await db.close();
    }
  });

  it("should refuse something that is not a client", () => {
    expect(() => postgresStore({ pool: {} as never })).toThrow(
      /pg.Pool, a connected pg.Client or a PGlite instance/,
    );
  });
});

describe.skipIf(skipServer)("postgresStore on a single pg.Client", () => {
  const schema = uniqueSchema();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  client.on("error", () => {});
  const admin = newPool({ max: 1 });
  const store = postgresStore({ pool: client, schema });
  const fixture: Fixture = {
    name: "client",
    store,
    async sql(text, values) {
      const c = await admin.connect();
      try {
        await c.query(`SET search_path TO ${ident(schema)}`);
        return (await c.query(text, values)).rows;
      } finally {
        c.release(true);
      }
    },
    async close() {},
  };
  beforeAll(async () => {
    await client.connect();
    await migrate(client, { schema });
  });
  afterAll(async () => {
    await client.end().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await admin.end();
  });

  it("execute - 40 parallel commands on one client should be serialised, not interleaved", async () => {
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => store.execute(allocate("p", "u", `a${i}`, 2))),
      ...Array.from({ length: 20 }, (_, i) => store.execute(redeem("p", "u", `r${i}`, 1))),
      store.loadAccount("p", "u", NO_READS),
      store.history("p", "u", { limit: 5 }),
    ]);
    const refused = outcomes.filter((o) => o.status === "rejected");
    for (const o of refused)
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: "INSUFFICIENT_COINS" });
    const snapshot = await store.loadAccount("p", "u", NO_READS);
    expect(snapshot.version).toBe(40 - refused.length);
    expect(balanceOf(snapshot)).toBe(40 - (20 - refused.length));
    expect((await checkInvariants(fixture, "p", { fifo: true })).problems).toEqual([]);
  });

  it("executeMany - should run on the single client between other calls", async () => {
    const [outcomes] = await Promise.all([
      store.executeMany?.<unknown>([allocate("p", "v", "m1", 3), redeem("p", "v", "m2", 2)]),
      store.execute(allocate("p", "v", "m3", 1)),
    ]);
    expect(outcomes?.map((o) => o.status)).toEqual(["committed", "committed"]);
    expect(balanceOf(await store.loadAccount("p", "v", NO_READS))).toBe(2);
  });
});
