/**
 * How the store runs its statements: the transaction modes. Each kind of
 * client gets one `Mode` (see the files next to this one), and the store
 * never looks at the client again.
 */
import { invalidInput } from "@coinage/core";
import type { Queryable } from "../client.js";
import { sqlState } from "../failures.js";
import type { Session } from "../session.js";

export interface Mode {
  readonly kind: "pool" | "client" | "pglite" | "transaction";
  /**
   * Inside the caller's transaction (`withTransaction`): nothing is retried,
   * and a failure tells the caller to run the whole transaction again.
   */
  readonly inCallerTransaction: boolean;
  /** Statements that need no transaction of the store's (each is its own snapshot). */
  read<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Run `fn` all or nothing: in a transaction of its own at READ COMMITTED
   * (`BEGIN … COMMIT`), or under a savepoint of the caller's transaction.
   * When `fn` throws, everything it did is undone and the error rethrown.
   */
  atomic<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}

export const BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED";

/**
 * Whether the connection is inside a transaction block, found out by asking
 * for a savepoint: outside a transaction Postgres refuses it (SQLSTATE
 * 25P01) and nothing changes; inside one it is taken and released at once.
 * A transaction that already failed (25P02) counts as inside.
 */
export async function insideTransaction(session: Session): Promise<boolean> {
  try {
    await session.command("SAVEPOINT coinage_probe");
  } catch (error) {
    const state = sqlState(error);
    if (state === "25P01") return false;
    if (state === "25P02") return true;
    throw error;
  }
  await session.command("RELEASE SAVEPOINT coinage_probe");
  return true;
}

/** The transaction status node-postgres reports (pg ≥ 8.16), or `undefined` when it cannot tell. */
export function reportedStatus(client: Queryable): "idle" | "transaction" | undefined {
  const read = (client as { getTransactionStatus?: () => unknown }).getTransactionStatus;
  if (typeof read !== "function") return undefined;
  const status = read.call(client);
  if (status === "I") return "idle";
  if (status === "T" || status === "E") return "transaction";
  return undefined;
}

/** `postgresStore` was given a connection inside a transaction it does not own. */
export function foreignTransaction(what: string) {
  return invalidInput({
    path: "pool",
    message: `${what}: the store would begin and commit its own transactions on it. To run coinage inside your transaction, pass the connection to coins.withTransaction(tx); otherwise pass a pg.Pool, a connected pg.Client outside any transaction, or a PGlite instance`,
  });
}
