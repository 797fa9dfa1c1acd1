/**
 * `fromDrizzle`: a Drizzle transaction as coinage's `Queryable`, on the
 * node-postgres driver and on the postgres.js driver; and its placeholders,
 * which Drizzle numbers itself.
 */
import { PGlite } from "@electric-sql/pglite";
import { asc, type ExtractTablesWithRelations, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import {
  numeric,
  type PgQueryResultHKT,
  type PgTransaction,
  pgSchema,
  text,
} from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgresJs } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { type DrizzleTransactionLike, fromDrizzle } from "../../src/adapters/drizzle.js";
import { DATABASE_URL, newPool, skipServerTests } from "../support/server.js";
import { type AdapterCase, describeAdapter, libraryPool } from "./suite.js";

const skip = await skipServerTests("adapters/drizzle.test.ts");

function ordersTable(schema: string) {
  return pgSchema(schema).table("orders", {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    total: numeric("total", { precision: 12, scale: 2 }).notNull(),
  });
}

/** The transaction type of a Drizzle database. */
type TransactionOf<D extends { transaction: (...args: never[]) => unknown }> = Parameters<
  Parameters<D["transaction"]>[0]
>[0];

/** The suite's view of a Drizzle database on either driver. */
function library<
  Tx extends PgTransaction<
    PgQueryResultHKT,
    Record<string, never>,
    ExtractTablesWithRelations<Record<string, never>>
  >,
>(
  schema: string,
  db: DrizzleTransactionLike & { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  close: () => Promise<void>,
): AdapterCase<Tx> {
  const orders = ordersTable(schema);
  return {
    transaction: (fn) => db.transaction(fn),
    insertOrder: async (tx, order) => {
      await tx.insert(orders).values(order);
    },
    orderIds: async (tx) =>
      (await tx.select({ id: orders.id }).from(orders).orderBy(asc(orders.id))).map(
        (row) => row.id,
      ),
    queryable: fromDrizzle,
    outside: () => fromDrizzle(db),
    close,
  };
}

describeAdapter("fromDrizzle (node-postgres)", skip, async (schema) => {
  const pool = libraryPool();
  const db = drizzleNodePg({ client: pool });
  return library<TransactionOf<typeof db>>(schema, db, () => pool.end());
});

describeAdapter(
  "fromDrizzle (postgres.js)",
  skip,
  async (schema) => {
    const client = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
    const db = drizzlePostgresJs({ client });
    return library<TransactionOf<typeof db>>(schema, db, () => client.end());
    // postgres.js does not recover from a session the server ended inside a transaction.
  },
  { survivesTermination: false },
);

describe("fromDrizzle (PGlite driver)", () => {
  it("should run parameterised statements inside the transaction, answering with its rows", async () => {
    const client = new PGlite();
    try {
      const db = drizzlePglite({ client });
      await db.execute(sql`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
      await expect(
        db.transaction(async (tx) => {
          const { rows } = await fromDrizzle(tx).query(
            "INSERT INTO notes VALUES ($2, $1) RETURNING id, body, $1::text AS again",
            ["hello", 1],
          );
          expect(rows).toEqual([{ id: 1, body: "hello", again: "hello" }]);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect((await fromDrizzle(db).query("SELECT count(*)::int AS n FROM notes")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(skip)("fromDrizzle placeholders", () => {
  const run = async (text: string, values: unknown[]) => {
    const pool = newPool({ max: 1 });
    try {
      return (await fromDrizzle(drizzleNodePg({ client: pool })).query(text, values)).rows;
    } finally {
      await pool.end();
    }
  };

  it("should leave a $ in literals, identifiers, comments and dollar quotes alone", async () => {
    const rows = await run(
      `SELECT $2::text AS second, '$1' AS literal, E'\\'$2' AS escaped, $$ $1 $$ AS dollar,
         $q$ $2 $q$ AS tagged, /* $3 */ $1::int AS "col$1", $2::text AS again -- $3`,
      [5, "two"],
    );
    expect(rows).toEqual([
      {
        second: "two",
        literal: "$1",
        escaped: "'$2",
        dollar: " $1 ",
        tagged: " $2 ",
        col$1: 5,
        again: "two",
      },
    ]);
  });

  it("should keep the number of a placeholder whatever the order they first appear in", async () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i + 1}`);
    const rows = await run(
      "SELECT $11::text AS eleven, $1::text AS one, $10::text AS ten, $11::text || $1::text AS both",
      values,
    );
    expect(rows).toEqual([{ eleven: "v11", one: "v1", ten: "v10", both: "v11v1" }]);
  });

  it("should send a list as one parameter", async () => {
    const rows = await run("SELECT $1::text[] AS list, cardinality($1::text[]) AS n", [["a", "b"]]);
    expect(rows).toEqual([{ list: ["a", "b"], n: 2 }]);
  });

  it("should refuse a placeholder without a value", async () => {
    await expect(run("SELECT $1::text AS a, $2::text AS b", ["a"])).rejects.toThrow(RangeError);
  });
});
