/**
 * The checks every transaction adapter passes against the real server: its
 * `Queryable` runs parameterised statements inside the library's own
 * transaction, and coinage's commands through it commit or roll back with
 * the caller's writes.
 */
import { CoinageError, createCoinage } from "@coinage/core";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../src/client.js";
import { isConnectionError, sqlState } from "../../src/failures.js";
import { type Fixture, ident, newPool, serverFixture } from "../support/server.js";

export interface Order {
  readonly id: string;
  readonly userId: string;
  readonly total: string;
}

/** One library, set up on a schema that holds coinage's tables and `orders`. */
export interface AdapterCase<Tx> {
  /** A transaction of the library: commits when `fn` returns, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Writes an order with the library's own API. */
  insertOrder(tx: Tx, order: Order): Promise<void>;
  /** Reads the ids of all orders with the library's own API. */
  orderIds(tx: Tx): Promise<string[]>;
  /** The adapter under test. */
  queryable(tx: Tx): Queryable;
  /** The adapter over the library's instance itself, outside any transaction. */
  outside(): Queryable;
  close(): Promise<void>;
}

export const ORDERS_TABLE = `CREATE TABLE orders (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  total numeric(12, 2) NOT NULL
)`;

/**
 * A pool for a library to check connections out of. A connection the server
 * ends while it is checked out also emits `error` on its client, which no
 * library listens to; the library learns of it from the failed query.
 */
export function libraryPool(max = 2): pg.Pool {
  const pool = newPool({ max });
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/** Thrown inside a transaction to roll it back. */
class Rollback extends Error {}

/** Runs a transaction that ends with `throw new Rollback()`; any other failure fails the test. */
async function rolledBack(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Rollback) return;
    throw error;
  }
  expect.fail("the transaction was not rolled back");
}

export interface SuiteOptions {
  /**
   * Whether the library recovers when the server ends the session of an
   * open transaction, so that a lost connection can be tested for real.
   */
  readonly survivesTermination?: boolean;
}

export function describeAdapter<Tx>(
  name: string,
  skip: boolean,
  open: (schema: string) => Promise<AdapterCase<Tx>>,
  options: SuiteOptions = {},
): void {
  describe.skipIf(skip)(name, () => {
    let fixture: Fixture & { schema: string };
    let library: AdapterCase<Tx>;
    beforeAll(async () => {
      fixture = await serverFixture({ max: 4 });
      await fixture.sql(ORDERS_TABLE);
      library = await open(fixture.schema);
    });
    afterAll(async () => {
      await library?.close();
      await fixture?.close();
    });

    let n = 0;
    const unique = (prefix: string) => `${prefix}-${++n}`;
    const storedOrders = async () =>
      (await fixture.sql("SELECT id FROM orders ORDER BY id")).map((row) => row.id);

    describe("the adapter's query", () => {
      it("should give one Queryable per transaction, so that coinage serialises its calls", async () => {
        await library.transaction(async (tx) => {
          expect(library.queryable(tx)).toBe(library.queryable(tx));
        });
      });

      it("should pass positional parameters, reused and out of order, as the server's values", async () => {
        await rolledBack(() =>
          library.transaction(async (tx) => {
            const { rows } = await library
              .queryable(tx)
              .query(
                "SELECT $2::text AS b, $1::int AS a, $2::text || '-' || $1::text AS b_a, $3::text IS NULL AS none",
                [7, "x", null],
              );
            expect(rows).toEqual([{ b: "x", a: 7, b_a: "x-7", none: true }]);
            throw new Rollback();
          }),
        );
      });

      it("should bring back text casts as strings and exact, and JSON as JSON", async () => {
        await rolledBack(() =>
          library.transaction(async (tx) => {
            const { rows } = await library.queryable(tx).query(
              `SELECT $1::numeric::text AS coins, $2::bigint::text AS big, ($2::bigint + 1)::text AS next,
                 $3::text::jsonb AS doc, json_build_array($2::bigint, $1::numeric::text) AS arr,
                 now()::text AS at, 1 AS one, true AS yes`,
              [
                "12345678901234567890.123456789",
                1_700_000_000_000,
                JSON.stringify({ a: [1, "b"] }),
              ],
            );
            const [row] = rows as Record<string, unknown>[];
            expect(row).toMatchObject({
              coins: "12345678901234567890.123456789",
              big: "1700000000000",
              next: "1700000000001",
              one: 1,
              yes: true,
            });
            expect(typeof row?.at).toBe("string");
            // coinage accepts JSON parsed or as text
            const parse = (value: unknown) =>
              typeof value === "string" ? JSON.parse(value) : value;
            expect(parse(row?.doc)).toEqual({ a: [1, "b"] });
            expect(parse(row?.arr)).toEqual([1_700_000_000_000, "12345678901234567890.123456789"]);
            throw new Rollback();
          }),
        );
      });

      it("should run inside the library's transaction: seen by its own reads, gone after a rollback", async () => {
        const id = unique("order");
        await rolledBack(() =>
          library.transaction(async (tx) => {
            const { rows } = await library
              .queryable(tx)
              .query(
                `INSERT INTO ${ident(fixture.schema)}.orders (id, user_id, total) VALUES ($1, $2, $3) RETURNING id`,
                [id, "u", "9.99"],
              );
            expect(rows).toEqual([{ id }]);
            expect(await library.orderIds(tx)).toContain(id);
            expect(await storedOrders()).not.toContain(id);
            throw new Rollback();
          }),
        );
        expect(await storedOrders()).not.toContain(id);
      });

      it("should fail with an error that carries the SQLSTATE, as coinage classifies it", async () => {
        await rolledBack(() =>
          library.transaction(async (tx) => {
            const failure = await library
              .queryable(tx)
              .query("SELECT 1 / $1::int AS x", [0])
              .then(
                () => undefined,
                (error: unknown) => error,
              );
            expect(sqlState(failure)).toBe("22012");
            throw new Rollback();
          }),
        );
      });

      // Only where the library can be tested this way (see `survivesTermination`).
      if (options.survivesTermination !== false)
        it("should fail as a lost connection when the server ends the session", async () => {
          let failure: unknown;
          await library
            .transaction(async (tx) => {
              failure = await library
                .queryable(tx)
                .query("SELECT pg_terminate_backend(pg_backend_pid())")
                .then(
                  () => undefined,
                  (error: unknown) => error,
                );
              throw new Rollback();
            })
            .catch(() => {
              // The library's own rollback fails too: the session is gone.
            });
          expect(failure).toBeDefined();
          expect(isConnectionError(failure)).toBe(true);
          // The library goes on with a new connection.
          await library.transaction(async (tx) => {
            expect((await library.queryable(tx).query("SELECT 1 AS one")).rows).toEqual([
              { one: 1 },
            ]);
          });
        });
    });

    describe("coins.withTransaction", () => {
      const program = { id: "shop", coinValue: "0.01" } as const;
      const coins = () => createCoinage({ store: fixture.store, program });
      beforeAll(async () => {
        await coins().events.create({
          id: "purchase",
          name: "Purchase",
          reward: { kind: "fixed", coins: "10" },
        });
      });
      const available = async (userId: string) => (await coins().balance(userId)).available;

      it("should commit the order and its coins together", async () => {
        const userId = unique("user");
        const order = { id: unique("order"), userId, total: "25.00" };
        await library.transaction(async (tx) => {
          await library.insertOrder(tx, order);
          const inside = coins().withTransaction(library.queryable(tx));
          const allocation = await inside.allocate({
            userId,
            event: "purchase",
            requestId: order.id,
          });
          expect(allocation.coins).toBe("10");
          expect((await inside.balance(userId)).available).toBe("10");
          // Not committed yet: nobody else sees either write.
          expect(await available(userId)).toBe("0");
          expect(await storedOrders()).not.toContain(order.id);
        });
        expect(await storedOrders()).toContain(order.id);
        expect(await available(userId)).toBe("10");
      });

      it("should roll back the coins with the order", async () => {
        const userId = unique("user");
        const order = { id: unique("order"), userId, total: "25.00" };
        await rolledBack(() =>
          library.transaction(async (tx) => {
            await library.insertOrder(tx, order);
            await coins()
              .withTransaction(library.queryable(tx))
              .allocate({ userId, event: "purchase", requestId: order.id });
            throw new Rollback();
          }),
        );
        expect(await storedOrders()).not.toContain(order.id);
        expect(await available(userId)).toBe("0");
        expect((await coins().history(userId)).items).toEqual([]);
      });

      it("should leave the order and the transaction usable after a redemption it refuses", async () => {
        const userId = unique("user");
        const order = { id: unique("order"), userId, total: "25.00" };
        await coins().allocate({ userId, event: "purchase", requestId: unique("earlier") });
        await library.transaction(async (tx) => {
          await library.insertOrder(tx, order);
          const inside = coins().withTransaction(library.queryable(tx));
          const refused = await inside
            .redeem({ userId, coins: "11", requestId: unique("redeem") })
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(refused).toBeInstanceOf(CoinageError);
          expect((refused as CoinageError).code).toBe("INSUFFICIENT_COINS");
          // The transaction goes on: the library and coinage both still write in it.
          await inside.redeem({ userId, coins: "4", requestId: unique("redeem") });
          expect(await library.orderIds(tx)).toContain(order.id);
        });
        expect(await storedOrders()).toContain(order.id);
        expect(await available(userId)).toBe("6");
      });
      it("should keep concurrent calls on one transaction apart, a refused one undoing only itself", async () => {
        const userId = unique("user");
        await coins().allocate({ userId, event: "purchase", requestId: unique("earlier") });
        const refusedId = unique("redeem");
        await library.transaction(async (tx) => {
          // Each call adapts the transaction again, as separate parts of an app would.
          const results = await Promise.allSettled([
            coins()
              .withTransaction(library.queryable(tx))
              .allocate({ userId, event: "purchase", requestId: unique("allocate") }),
            coins()
              .withTransaction(library.queryable(tx))
              .redeem({ userId, coins: "1000", requestId: refusedId }),
            coins()
              .withTransaction(library.queryable(tx))
              .redeem({ userId, coins: "3", requestId: unique("redeem") }),
          ]);
          expect(results.map((result) => result.status)).toEqual([
            "fulfilled",
            "rejected",
            "fulfilled",
          ]);
        });
        expect(await available(userId)).toBe("17");
        // earned, earned, spent: the refused redemption left no entry
        expect((await coins().history(userId)).items).toHaveLength(3);
      });

      it("should refuse the library's instance in place of a transaction, writing nothing", async () => {
        const userId = unique("user");
        const refused = await coins()
          .withTransaction(library.outside())
          .allocate({ userId, event: "purchase", requestId: unique("allocate") })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refused).toBeInstanceOf(CoinageError);
        expect((refused as CoinageError).code).toBe("INVALID_INPUT");
        expect(await available(userId)).toBe("0");
      });
    });
  });
}
