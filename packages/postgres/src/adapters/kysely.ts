/**
 * A Kysely transaction as the `Queryable` that `coins.withTransaction` takes:
 *
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto("orders").values(order).execute();
 *   await coins.withTransaction(fromKysely(trx)).allocate({ … });
 * });
 * ```
 */
import { CompiledQuery } from "kysely";
import type { Queryable } from "../client.js";
import { oncePerTransaction } from "./per-transaction.js";

/** The part of a Kysely `Transaction` the adapter uses. */
export interface KyselyTransactionLike {
  withoutPlugins(): {
    executeQuery(query: CompiledQuery): Promise<{ readonly rows: readonly unknown[] }>;
  };
}

const adapt = oncePerTransaction((trx: KyselyTransactionLike): Queryable => {
  const executor = trx.withoutPlugins();
  return {
    query: (text, values = []) => executor.executeQuery(CompiledQuery.raw(text, values)),
  };
});

/**
 * Runs coinage's statements on `trx` as raw compiled queries. Plugins are
 * left out: coinage reads its rows as written (a `CamelCasePlugin` would
 * rename their columns).
 */
export function fromKysely(trx: KyselyTransactionLike): Queryable {
  return adapt(trx);
}
