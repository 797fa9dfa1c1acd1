/**
 * `fromDrizzle`: a Drizzle transaction as coinage's `Queryable`, on the
 * node-postgres driver and on the postgres.js driver; and its placeholders,
 * which Drizzle numbers itself.
 */
import { asc } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { numeric, pgSchema, text } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgresJs } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { fromDrizzle } from "../../src/adapters/drizzle.js";
import { DATABASE_URL, newPool, skipServerTests } from "../support/server.js";
import { describeAdapter, type Order } from "./suite.js";

const skip = await skipServerTests("adapters/drizzle.test.ts");

function ordersTable(schema: string) {
  return pgSchema(schema).table("orders", {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    total: numeric("total", { precision: 12, scale: 2 }).notNull(),
  });
}

/** What the suite needs of a Drizzle transaction, on either driver. */
interface DrizzleTransaction {
  insert(table: ReturnType<typeof ordersTable>): { values(order: Order): PromiseLike<unknown> };
  select<T extends Record<string, unknown>>(
    fields: T,
  ): {
    from(table: ReturnType<typeof ordersTable>): {
      orderBy(...columns: unknown[]): PromiseLike<{ id: string }[]>;
    };
  };
  execute: Parameters<typeof fromDrizzle>[0]["execute"];
}

function library(
  schema: string,
  db: {
    transaction<T>(fn: (tx: never) => Promise<T>): Promise<T>;
  },
  close: () => Promise<void>,
) {
  const orders = ordersTable(schema);
  return {
    transaction: <T>(fn: (tx: DrizzleTransaction) => Promise<T>) =>
      db.transaction(fn as (tx: never) => Promise<T>),
    insertOrder: async (tx: DrizzleTransaction, order: Order) => {
      await tx.insert(orders).values(order);
    },
    orderIds: async (tx: DrizzleTransaction) =>
      (await tx.select({ id: orders.id }).from(orders).orderBy(asc(orders.id))).map(
        (row) => row.id,
      ),
    queryable: fromDrizzle,
    close,
  };
}

describeAdapter("fromDrizzle (node-postgres)", skip, async (schema) => {
  const pool = newPool({ max: 2 });
  return library(schema, drizzleNodePg({ client: pool }), () => pool.end());
});

describeAdapter(
  "fromDrizzle (postgres.js)",
  skip,
  async (schema) => {
    const client = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
    return library(schema, drizzlePostgresJs({ client }), () => client.end());
    // postgres.js does not recover from a session the server ended inside a transaction.
  },
  { survivesTermination: false },
);

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
