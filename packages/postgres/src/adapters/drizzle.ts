/**
 * A Drizzle transaction as the `Queryable` that `coins.withTransaction`
 * takes:
 *
 * ```ts
 * await db.transaction(async (tx) => {
 *   await tx.insert(orders).values(order);
 *   await coins.withTransaction(fromDrizzle(tx)).allocate({ … });
 * });
 * ```
 */
import { type SQL, type SQLChunk, sql } from "drizzle-orm";
import type { Queryable } from "../client.js";
import { oncePerTransaction } from "./per-transaction.js";

/** The part of a Drizzle Postgres transaction the adapter uses. */
export interface DrizzleTransactionLike {
  execute(query: SQL): PromiseLike<unknown>;
}

const adapt = oncePerTransaction(
  (tx: DrizzleTransactionLike): Queryable => ({
    async query(text, values = []) {
      let result: unknown;
      try {
        result = await tx.execute(toSql(text, values));
      } catch (error) {
        throw driverError(error);
      }
      return { rows: Array.isArray(result) ? result : (result as { rows: unknown[] }).rows };
    },
  }),
);

/**
 * Runs coinage's statements with `tx.execute(sql)`. node-postgres and PGlite
 * answer with `{ rows }`, postgres.js with the rows themselves.
 */
export function fromDrizzle(tx: DrizzleTransactionLike): Queryable {
  return adapt(tx);
}

/**
 * Drizzle wraps a failed statement's error in a `DrizzleQueryError` (the
 * statement as `query`, its parameters as `params`); coinage tells a lost
 * connection or a deadlock by the driver's own error, its `cause`.
 */
function driverError(error: unknown): unknown {
  const wrapped = error as { query?: unknown; params?: unknown; cause?: unknown } | null;
  return typeof wrapped?.query === "string" &&
    Array.isArray(wrapped.params) &&
    wrapped.cause !== undefined
    ? wrapped.cause
    : error;
}

/** What can hold a `$` that is not a placeholder, left as it is; or a placeholder (group 2). */
const TOKENS = new RegExp(
  [
    String.raw`\b[Ee]'(?:[^'\\]|\\[\s\S]|'')*'`, // escape string
    "'(?:[^']|'')*'", // string
    '"(?:[^"]|"")*"', // quoted identifier
    String.raw`--[^\n]*`, // line comment
    String.raw`/\*[\s\S]*?\*/`, // block comment
    String.raw`(?<![\p{L}\p{N}_$])\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$`, // dollar-quoted
    String.raw`(?<![\p{L}\p{N}_$])\$(\d+)`, // placeholder (not inside an identifier like a$1)
  ].join("|"),
  "gu",
);

/**
 * Drizzle numbers the parameters of an `SQL` object `$1, $2, …` in the order
 * they appear. So the first occurrence of each placeholder becomes a
 * parameter, numbered in order of first appearance, and every later
 * occurrence refers back to that number: each value is sent once, as with
 * any positional query.
 */
function toSql(text: string, values: readonly unknown[]): SQL {
  const chunks: SQLChunk[] = [];
  const numbers = new Map<number, number>();
  let from = 0;
  for (const token of text.matchAll(TOKENS)) {
    const placeholder = token[2];
    if (placeholder === undefined) continue;
    const n = Number(placeholder);
    if (n < 1 || n > values.length) {
      throw new RangeError(`${token[0]} has no value (${values.length} given)`);
    }
    chunks.push(sql.raw(text.slice(from, token.index)));
    const renumbered = numbers.get(n);
    if (renumbered === undefined) {
      numbers.set(n, numbers.size + 1);
      chunks.push(sql.param(values[n - 1]));
    } else {
      chunks.push(sql.raw(`$${renumbered}`));
    }
    from = token.index + token[0].length;
  }
  chunks.push(sql.raw(text.slice(from)));
  return sql.join(chunks);
}
