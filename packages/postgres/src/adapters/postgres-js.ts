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
import { oncePerTransaction } from "./per-transaction.js";
import { CONNECTION_FAILURE, messageOf, UNABLE_TO_CONNECT, withSqlState } from "./sql-state.js";

/** The part of a postgres.js `TransactionSql` the adapter uses. */
export interface PostgresJsTransactionLike {
  unsafe(query: string, parameters?: unknown[]): PromiseLike<readonly unknown[]>;
}

const adapt = oncePerTransaction(
  (tx: PostgresJsTransactionLike): Queryable => ({
    async query(text, values) {
      try {
        return { rows: await tx.unsafe(text, values) };
      } catch (error) {
        throw connectionError(error);
      }
    },
  }),
);

/**
 * Runs coinage's statements on `tx` with `tx.unsafe(text, values)`; the
 * rows postgres.js returns are the result. A server error already carries
 * its SQLSTATE; a lost connection is given one.
 */
export function fromPostgresJs(tx: PostgresJsTransactionLike): Queryable {
  return adapt(tx);
}

/** postgres.js's own codes for a connection that is gone or never came. */
const CONNECTION_CODES: Readonly<Record<string, string>> = {
  CONNECTION_CLOSED: CONNECTION_FAILURE,
  CONNECTION_ENDED: CONNECTION_FAILURE,
  CONNECTION_DESTROYED: CONNECTION_FAILURE,
  CONNECT_TIMEOUT: UNABLE_TO_CONNECT,
};

function connectionError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const state = typeof code === "string" ? CONNECTION_CODES[code] : undefined;
  return state === undefined ? error : withSqlState(error, state, messageOf(error));
}
