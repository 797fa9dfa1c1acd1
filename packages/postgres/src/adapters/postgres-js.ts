/**
 * A postgres.js transaction as the `Queryable` that `coins.withTransaction`
 * takes:
 *
 * ```ts
 * await sql.begin(async (tx) => {
 *   await tx`INSERT INTO orders ${tx(order)}`;
 *   await coins.withTransaction(fromPostgresJs(tx)).allocate({ … });
 * });
 * ```
 */
import type { Queryable } from "../client.js";

/** The part of a postgres.js `TransactionSql` (or `Sql`) the adapter uses. */
export interface PostgresJsTransactionLike {
  unsafe(query: string, parameters?: unknown[]): PromiseLike<readonly unknown[]>;
}

/**
 * Runs coinage's statements on `tx` with `tx.unsafe(text, values)`; the
 * rows postgres.js returns are the result.
 */
export function fromPostgresJs(tx: PostgresJsTransactionLike): Queryable {
  return {
    async query(text, values) {
      return { rows: await tx.unsafe(text, values) };
    },
  };
}
