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

/** The part of a Prisma transaction client (or `PrismaClient`) the adapter uses. */
export interface PrismaTransactionLike {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
}

/**
 * Runs coinage's statements on `tx` with `$queryRawUnsafe(text, ...values)`,
 * which answers with the rows. Every value coinage reads is cast to text or
 * JSON in SQL, so Prisma's own type mapping (`Decimal`, `BigInt`, `Date`)
 * never applies to them.
 */
export function fromPrisma(tx: PrismaTransactionLike): Queryable {
  return {
    async query(text, values = []) {
      return { rows: (await tx.$queryRawUnsafe(text, ...values)) as unknown[] };
    },
  };
}
