/**
 * `coins.withTransaction(tx)`: coinage inside the caller's transaction, on
 * the server (a pg client after BEGIN) and on PGlite (the transaction
 * object). The caller's commit keeps both its rows and coinage's, its
 * rollback neither; a failed call undoes only itself; a lost connection or a
 * deadlock is a typed error that says to run the transaction again.
 */
import { type Coinage, CoinageError, createCoinage } from "@coinage/core";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../src/index.js";
import { checkInvariants } from "./support/invariants.js";
import {
  type Fixture,
  ident,
  newPool,
  pgliteFixture,
  serverFixture,
  skipServerTests,
} from "./support/server.js";

const skipServer = await skipServerTests("transaction.test.ts");

const PROGRAM = { id: "shop", coinValue: "1" } as const;
const clock = { now: () => new Date("2026-03-15T12:00:00Z") };

/** One backend: how to run a caller transaction, and the caller's own statements in it. */
interface Backend {
  readonly fixture: Fixture;
  /** Run `fn` in a transaction: commit when it returns, roll back when it throws. */
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T>;
  /** The caller's own statement inside `tx`. */
  exec(tx: unknown, text: string, values?: unknown[]): Promise<unknown[]>;
}

class Rollback extends Error {}

async function rolledBack(run: Promise<unknown>): Promise<void> {
  await expect(run).rejects.toBeInstanceOf(Rollback);
}

function describeBackend(name: string, skip: boolean, open: () => Promise<Backend>) {
  describe.skipIf(skip)(`withTransaction on ${name}`, () => {
    let backend: Backend;
    let coins: Coinage;
    beforeAll(async () => {
      backend = await open();
      await backend.fixture.sql("CREATE TABLE orders (id text PRIMARY KEY, user_id text NOT NULL)");
      coins = createCoinage({ store: backend.fixture.store, program: PROGRAM, clock });
      await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
    });
    afterAll(async () => {
      await backend?.fixture.close();
    });
    const orders = async (id: string) =>
      (await backend.fixture.sql("SELECT id FROM orders WHERE id = $1", [id])).length;

    it("commit - the order row and the allocation are both kept", async () => {
      await backend.transaction(async (tx) => {
        await backend.exec(tx, "INSERT INTO orders VALUES ($1, $2)", ["o1", "u1"]);
        const result = await coins
          .withTransaction(tx)
          .allocate({ userId: "u1", event: "BUY", requestId: "o1" });
        expect(result.coins).toBe("10");
        // Inside the transaction its own reads see the allocation.
        expect((await coins.withTransaction(tx).balance("u1")).available).toBe("10");
      });
      expect(await orders("o1")).toBe(1);
      expect((await coins.balance("u1")).available).toBe("10");
      expect((await coins.history("u1")).items.map((e) => e.requestId)).toEqual(["o1"]);
    });

    it("rollback - neither the order row nor the allocation is kept, and the request id stays free", async () => {
      await rolledBack(
        backend.transaction(async (tx) => {
          await backend.exec(tx, "INSERT INTO orders VALUES ($1, $2)", ["o2", "u2"]);
          await coins.withTransaction(tx).allocate({ userId: "u2", event: "BUY", requestId: "o2" });
          throw new Rollback();
        }),
      );
      expect(await orders("o2")).toBe(0);
      expect((await coins.balance("u2")).available).toBe("0");
      expect((await coins.history("u2")).items).toEqual([]);
      const again = await coins.allocate({ userId: "u2", event: "BUY", requestId: "o2" });
      expect(again.coins).toBe("10");
    });

    it("a failed redeem - undoes only itself: the order row survives and the caller commits", async () => {
      await coins.allocate({ userId: "u3", event: "BUY", requestId: "fund-u3" });
      await backend.transaction(async (tx) => {
        const joined = coins.withTransaction(tx);
        await backend.exec(tx, "INSERT INTO orders VALUES ($1, $2)", ["o3", "u3"]);
        await joined.redeem({ userId: "u3", coins: "4", requestId: "spend-1" });
        const error = await joined
          .redeem({ userId: "u3", coins: "100", requestId: "spend-2" })
          .catch((e: unknown) => e);
        expect(CoinageError.is(error, "INSUFFICIENT_COINS")).toBe(true);
        // The transaction goes on: later statements of the caller and of coinage work.
        await backend.exec(tx, "INSERT INTO orders VALUES ($1, $2)", ["o3b", "u3"]);
        expect((await joined.balance("u3")).available).toBe("6");
      });
      expect(await orders("o3")).toBe(1);
      expect(await orders("o3b")).toBe(1);
      expect((await coins.balance("u3")).available).toBe("6");
      // The failed redeem left no claim: its request id books now, once.
      const later = await coins.redeem({ userId: "u3", coins: "1", requestId: "spend-2" });
      expect(later.coins).toBe("1");
      expect((await checkInvariants(backend.fixture, PROGRAM.id)).problems).toEqual([]);
    });

    it("a retried request inside the transaction - answers the first result without booking twice", async () => {
      await backend.transaction(async (tx) => {
        const joined = coins.withTransaction(tx);
        const first = await joined.allocate({ userId: "u4", event: "BUY", requestId: "o4" });
        const second = await joined.allocate({ userId: "u4", event: "BUY", requestId: "o4" });
        expect(second).toEqual({ ...first, replayed: true });
      });
      expect((await coins.balance("u4")).available).toBe("10");
    });

    it("calls on one transaction at once - run one after another", async () => {
      await backend.transaction(async (tx) => {
        const joined = coins.withTransaction(tx);
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            joined.allocate({ userId: "u5", event: "BUY", requestId: `o5-${i}` }),
          ),
        );
      });
      expect((await coins.balance("u5")).available).toBe("80");
    });

    it("what cannot be a transaction - fails with INVALID_INPUT before any statement", async () => {
      expect(() => coins.withTransaction({})).toThrow(/inside an open transaction/);
      expect(() => coins.withTransaction(null)).toThrow(CoinageError);
    });
  });
}

describeBackend("PGlite", false, async () => {
  const fixture = await pgliteFixture();
  return {
    fixture,
    transaction: <T>(fn: (tx: unknown) => Promise<T>) =>
      fixture.db.transaction((tx: Transaction) => fn(tx)),
    async exec(tx, text, values) {
      return (await (tx as Transaction).query(text, values)).rows;
    },
  };
});

function poolBackend(fixture: Fixture & { pool: pg.Pool; schema: string }): Backend {
  return {
    fixture,
    async transaction<T>(fn: (tx: unknown) => Promise<T>) {
      const client = await fixture.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(`SET LOCAL search_path TO ${ident(fixture.schema)}`);
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release(true);
      }
    },
    async exec(tx, text, values) {
      return (await (tx as pg.PoolClient).query(text, values)).rows;
    },
  };
}

describeBackend("the server", skipServer, async () => poolBackend(await serverFixture({ max: 8 })));

describe("withTransaction - what it refuses", () => {
  it("a PGlite instance, or a connection outside any transaction - INVALID_INPUT, and nothing runs", async () => {
    const fixture = await pgliteFixture();
    try {
      const coins = createCoinage({ store: fixture.store, program: PROGRAM, clock });
      await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
      expect(() => coins.withTransaction(fixture.db)).toThrow(/db\.transaction/);
      const outside = coins.withTransaction({
        query: (text: string, values?: unknown[]) => (fixture.db as PGlite).query(text, values),
      });
      const error = await outside
        .allocate({ userId: "u", event: "BUY", requestId: "r" })
        .catch((e: unknown) => e);
      // Its savepoint is refused outside a transaction block: nothing was written.
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
      expect(await fixture.store.findRequest(PROGRAM.id, "r")).toBeNull();
      expect(String((error as Error).message)).toMatch(/not inside a transaction/);
    } finally {
      await fixture.close();
    }
  });
});

describe.skipIf(skipServer)("withTransaction on the server - failures", () => {
  let fixture: Fixture & { pool: pg.Pool; schema: string };
  let coins: Coinage;
  const appName = `coinage-caller-${process.pid}`;
  beforeAll(async () => {
    fixture = await serverFixture({ max: 8, application_name: appName });
    await fixture.sql("CREATE TABLE orders (id text PRIMARY KEY, user_id text NOT NULL)");
    coins = createCoinage({ store: fixture.store, program: PROGRAM, clock });
    await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
  });
  afterAll(async () => {
    await fixture?.close();
  });
  const table = () => `${ident(fixture.schema)}.orders`;

  it("a pool or an idle client - INVALID_INPUT", async () => {
    expect(() => coins.withTransaction(fixture.pool)).toThrow(/check out a client/);
    const client = await fixture.pool.connect();
    try {
      expect(() => coins.withTransaction(client)).not.toThrow();
      const error = await coins
        .withTransaction(client)
        .balance("u")
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
    } finally {
      client.release();
    }
  });

  it("the caller's connection dies mid-transaction - a typed error, and nothing is half-applied", async () => {
    // b's account exists and is free; another transaction will hold it.
    await coins.allocate({ userId: "dead-b", event: "BUY", requestId: "dead-fund" });
    const client = await fixture.pool.connect();
    const holder = await fixture.pool.connect();
    const killer = newPool({ max: 1 });
    // A checked-out client reports its lost connection as an 'error' event
    // too; as the README tells every caller, listen for it (else it crashes).
    const lost: unknown[] = [];
    client.on("error", (error) => lost.push(error));
    try {
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${table()} VALUES ('o-dead', 'dead-a')`);
      const joined = coins.withTransaction(client);
      await joined.allocate({ userId: "dead-a", event: "BUY", requestId: "dead-1" });
      await holder.query("BEGIN");
      await holder.query(
        `SELECT 1 FROM ${ident(fixture.schema)}.coinage_accounts WHERE program_id = $1 AND user_id = 'dead-b' FOR UPDATE`,
        [PROGRAM.id],
      );
      // The next call waits for b's row inside its read; its connection is then killed.
      const pending = joined
        .redeem({ userId: "dead-b", coins: "3", requestId: "dead-2" })
        .catch((e: unknown) => e);
      let waiting: unknown[] = [];
      for (let i = 0; i < 250 && waiting.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        waiting = (
          await killer.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
            [appName],
          )
        ).rows;
      }
      expect(waiting).toHaveLength(1);
      await killer.query("SELECT pg_terminate_backend($1)", [(waiting[0] as { pid: number }).pid]);
      const error = await pending;
      expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", details: { retry: "transaction" } });
      await holder.query("ROLLBACK");
    } finally {
      client.release(true);
      holder.release();
      await killer.end();
    }
    expect(await fixture.sql("SELECT id FROM orders WHERE id = 'o-dead'")).toEqual([]);
    expect((await coins.balance("dead-a")).available).toBe("0");
    expect(await fixture.store.findRequest(PROGRAM.id, "dead-1")).toBeNull();
    expect(await fixture.store.findRequest(PROGRAM.id, "dead-2")).toBeNull();
    expect((await coins.balance("dead-b")).available).toBe("10");
    expect((await checkInvariants(fixture, PROGRAM.id)).problems).toEqual([]);
  });

  it("a deadlock inside the caller's transaction - STORE_UNAVAILABLE with retry: transaction, nothing retried inside", async () => {
    await fixture.sql("INSERT INTO orders VALUES ('x', 'a'), ('y', 'b')");
    await coins.allocate({ userId: "dl", event: "BUY", requestId: "dl-fund" });
    const one = await fixture.pool.connect();
    const two = await fixture.pool.connect();
    try {
      await one.query("BEGIN");
      await one.query("SET LOCAL deadlock_timeout = '50ms'");
      await two.query("BEGIN");
      await one.query(`SELECT 1 FROM ${table()} WHERE id = 'x' FOR UPDATE`);
      await two.query(`SELECT 1 FROM ${table()} WHERE id = 'y' FOR UPDATE`);
      // Two holds the account (through coinage), then one waits for it inside coinage.
      await coins.withTransaction(two).redeem({ userId: "dl", coins: "1", requestId: "dl-two" });
      const waiting = coins
        .withTransaction(one)
        .redeem({ userId: "dl", coins: "1", requestId: "dl-one" })
        .catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Two now waits for one's order row: a cycle; one (the shorter timeout) is the victim.
      const twoWaits = two.query(`SELECT 1 FROM ${table()} WHERE id = 'x' FOR UPDATE`);
      const error = await waiting;
      expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", details: { retry: "transaction" } });
      expect(((error as CoinageError).cause as { code?: string }).code).toBe("40P01");
      // Undone to its savepoint: one's transaction is still usable; the caller rolls it back.
      expect((await one.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
      await one.query("ROLLBACK");
      await twoWaits;
      await two.query("COMMIT");
    } finally {
      one.release();
      two.release();
    }
    expect(await fixture.store.findRequest(PROGRAM.id, "dl-one")).toBeNull();
    expect((await coins.balance("dl")).available).toBe("9");
    // The caller's retry of the whole transaction books it.
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      await coins.withTransaction(client).redeem({ userId: "dl", coins: "1", requestId: "dl-one" });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await coins.balance("dl")).available).toBe("8");
  });

  it("the store never commits the caller's transaction - other connections see nothing until the caller commits", async () => {
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      await coins
        .withTransaction(client)
        .allocate({ userId: "vis", event: "BUY", requestId: "v1" });
      expect(await fixture.store.findRequest(PROGRAM.id, "v1")).toBeNull();
      expect((await coins.balance("vis")).available).toBe("0");
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await coins.balance("vis")).available).toBe("10");
  });

  it("two engines over two stores on one caller transaction - their calls run one after another", async () => {
    const other = createCoinage({
      store: postgresStore({ pool: fixture.pool, schema: fixture.schema }),
      program: PROGRAM,
      clock,
    });
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? coins : other)
            .withTransaction(client)
            .allocate({ userId: "two", event: "BUY", requestId: `t${i}` }),
        ),
      );
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await coins.balance("two")).available).toBe("60");
  });
});
