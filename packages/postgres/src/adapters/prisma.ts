/**
 * A Prisma interactive transaction as the `Queryable` that
 * `coins.withTransaction` takes:
 *
 * ```ts
 * await prisma.$transaction(async (tx) => {
 *   await tx.order.create({ data: order });
 *   await coins.withTransaction(fromPrisma(tx)).allocate({ … });
 * });
 * ```
 */
import type { Queryable } from "../client.js";
import { oncePerTransaction } from "./per-transaction.js";
import { CONNECTION_FAILURE, messageOf, UNABLE_TO_CONNECT, withSqlState } from "./sql-state.js";

/** The part of a Prisma transaction client the adapter uses. */
export interface PrismaTransactionLike {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}

const adapt = oncePerTransaction(
  (tx: PrismaTransactionLike): Queryable => ({
    async query(text, values = []) {
      try {
        return { rows: (await tx.$queryRawUnsafe(text, ...values)) as unknown[] };
      } catch (error) {
        throw driverError(error);
      }
    },
  }),
);

/**
 * Runs coinage's statements on `tx` with `$queryRawUnsafe(text, ...values)`,
 * which answers with the rows. Every value coinage reads is text, JSON, a
 * boolean or an `integer`, so Prisma's own mapping of `numeric`, `bigint`
 * and timestamps (`Decimal`, `BigInt`, `Date`) never applies to them.
 */
export function fromPrisma(tx: PrismaTransactionLike): Queryable {
  return adapt(tx);
}

interface PrismaErrorLike {
  meta?: {
    driverAdapterError?: {
      cause?: { kind?: unknown; originalCode?: unknown; originalMessage?: unknown };
    };
  };
}

/** Driver adapter failures that are not the server's: the connection's. */
const CONNECTION_KINDS: Readonly<Record<string, string>> = {
  DatabaseNotReachable: UNABLE_TO_CONNECT,
  ConnectionClosed: CONNECTION_FAILURE,
  SocketTimeout: CONNECTION_FAILURE,
};

/**
 * Prisma reports a failed raw query as `P2010`, with the driver adapter's
 * error in `meta`: the server's SQLSTATE as `originalCode`, or the kind of
 * connection failure.
 */
function driverError(error: unknown): unknown {
  const cause = (error as PrismaErrorLike | null)?.meta?.driverAdapterError?.cause;
  if (cause === undefined) return error;
  const state =
    typeof cause.originalCode === "string"
      ? cause.originalCode
      : CONNECTION_KINDS[String(cause.kind)];
  if (state === undefined) return error;
  const message =
    typeof cause.originalMessage === "string" ? cause.originalMessage : messageOf(error);
  return withSqlState(error, state, message);
}
