/**
 * The adapter layer: a pool, a single client and PGlite each work, and a
 * single client is never asked to hold two transactions at once.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, postgresStore } from "../src/index.js";
import { openMode } from "../src/modes/open.js";
import { checkInvariants } from "./support/invariants.js";
import { allocate, balanceOf, NO_READS, redeem } from "./support/ledger.js";
import {
  DATABASE_URL,
  type Fixture,
  ident,
  newPool,
  pgliteFixture,
  skipServerTests,
  uniqueSchema,
} from "./support/server.js";

const skipServer = await skipServerTests("client.test.ts");

describe("openMode", () => {
  it("should tell a pool, a single client and PGlite apart", async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    const db = new PGlite();
    try {
      expect(openMode(pool, true, "store").kind).toBe("pool");
      expect(openMode(client, true, "store").kind).toBe("client");
      expect(openMode(db, true, "store").kind).toBe("pglite");
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

  it("should refuse a connection checked out of a pool, pointing to withTransaction", () => {
    const checkedOut = { query: async () => ({ rows: [] }), release() {} };
    let error: unknown;
    try {
      postgresStore({ pool: checkedOut });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "INVALID_INPUT" });
    expect(String((error as Error).message)).toMatch(/withTransaction/);
  });
});

describe("a connection inside a transaction it does not own", () => {
  it("PGlite - a session left inside BEGIN fails with INVALID_INPUT and its transaction is not committed", async () => {
    const fixture = await pgliteFixture();
    try {
      await fixture.db.exec("CREATE TABLE mine (id int)");
      await fixture.db.exec("BEGIN");
      await fixture.db.exec("INSERT INTO mine VALUES (1)");
      const store = postgresStore({ pool: fixture.db });
      const error = await store.execute(allocate("p", "u", "r1", 1)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
      expect(String((error as Error).message)).toMatch(/withTransaction/);
      await fixture.db.exec("ROLLBACK");
      expect((await fixture.db.query("SELECT count(*)::int AS n FROM mine")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await fixture.close();
    }
  });

  it("PGlite - the transaction object passed as the pool fails with INVALID_INPUT, and nothing commits early", async () => {
    const fixture = await pgliteFixture();
    try {
      await fixture.db.exec("CREATE TABLE mine (id int)");
      const outcome = await fixture.db
        .transaction(async (tx) => {
          await tx.query("INSERT INTO mine VALUES (1)");
          const store = postgresStore({ pool: tx });
          const error = await store.execute(allocate("p", "u", "r1", 1)).catch((e: unknown) => e);
          await tx.rollback();
          return error;
        })
        .catch((e: unknown) => e);
      expect(outcome).toMatchObject({ code: "INVALID_INPUT" });
      expect((await fixture.db.query("SELECT count(*)::int AS n FROM mine")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await fixture.close();
    }
  });
});

/**
 * A pool-shaped wrapper over one PGlite session that fails chosen
 * statements with a given SQLSTATE, to drive the retry path.
 */
async function flakyPool(fail: (text: string, call: number) => string | undefined) {
  const fixture = await pgliteFixture();
  let calls = 0;
  const query = async (text: string, values?: unknown[]) => {
    const code = fail(text, ++calls);
    if (code !== undefined) throw Object.assign(new Error(`injected ${code}`), { code });
    return fixture.db.query(text, values);
  };
  const pool = { totalCount: 0, query, connect: async () => ({ query, release() {} }) };
  return { fixture, store: postgresStore({ pool, maxRetries: 3 }) };
}

describe("retries", () => {
  it("execute - should run a transaction again after a deadlock and commit once", async () => {
    let injected = 0;
    const { fixture, store } = await flakyPool((text) =>
      text.startsWith("WITH acc AS") && injected++ < 2 ? "40P01" : undefined,
    );
    try {
      let decisions = 0;
      const command = allocate("p", "u", "r1", 5);
      const counted = {
        ...command,
        decide(snapshot: Parameters<typeof command.decide>[0]) {
          decisions++;
          return command.decide(snapshot);
        },
      };
      expect((await store.execute(counted)).status).toBe("committed");
      expect(decisions).toBe(3);
      const snapshot = await store.loadAccount("p", "u", NO_READS);
      expect(snapshot.version).toBe(1);
      expect(balanceOf(snapshot)).toBe(5);
    } finally {
      await fixture.close();
    }
  });

  it("execute - should fail with STORE_UNAVAILABLE, never INSUFFICIENT_COINS, when serialization failures persist", async () => {
    const { fixture, store } = await flakyPool((text) =>
      text.startsWith("WITH acc AS") ? "40001" : undefined,
    );
    try {
      const error = await store.execute(allocate("p", "u", "r1", 5)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", details: { operation: "execute" } });
      expect((error as { cause?: { code?: string } }).cause?.code).toBe("40001");
      expect(await store.findRequest("p", "r1")).toBeNull();
    } finally {
      await fixture.close();
    }
  });

  it("executeMany - should run the whole batch again after a deadlock", async () => {
    let injected = 0;
    const { fixture, store } = await flakyPool((text) =>
      text.startsWith("WITH acc AS") && injected++ < 1 ? "40P01" : undefined,
    );
    try {
      const outcomes = await store.executeMany?.<unknown>([
        allocate("p", "a", "m1", 2),
        allocate("p", "b", "m2", 3),
      ]);
      expect(outcomes?.map((o) => o.status)).toEqual(["committed", "committed"]);
      expect(balanceOf(await store.loadAccount("p", "b", NO_READS))).toBe(3);
    } finally {
      await fixture.close();
    }
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

  it("a client inside a transaction - fails with INVALID_INPUT and leaves that transaction to its owner", async () => {
    const other = new pg.Client({ connectionString: DATABASE_URL });
    other.on("error", () => {});
    await other.connect();
    try {
      await other.query(`CREATE TABLE ${ident(schema)}.mine (id int)`);
      await other.query("BEGIN");
      await other.query(`INSERT INTO ${ident(schema)}.mine VALUES (1)`);
      const inside = postgresStore({ pool: other, schema });
      const error = await inside.execute(allocate("p", "w", "w1", 1)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
      expect(String((error as Error).message)).toMatch(/withTransaction/);
      // Still the owner's transaction: rolling it back leaves nothing.
      await other.query("ROLLBACK");
      const { rows } = await other.query(`SELECT count(*)::int AS n FROM ${ident(schema)}.mine`);
      expect(rows).toEqual([{ n: 0 }]);
      expect(await store.findRequest("p", "w1")).toBeNull();
      // Outside the transaction the same client works.
      expect((await inside.execute(allocate("p", "w", "w1", 1))).status).toBe("committed");
    } finally {
      await other.end();
    }
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
