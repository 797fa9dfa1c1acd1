/**
 * A single connection (a connected `pg.Client`, or any `Queryable` that is
 * neither a pool nor PGlite). One connection holds one transaction at a
 * time, so every call on it runs after the previous one. A connection that
 * is inside a transaction it does not own is refused: the store would
 * otherwise commit that transaction with its own.
 */
import type { Queryable } from "../client.js";
import { Mutex, querySession, type Session } from "../session.js";
import { foreignTransaction, insideTransaction, type Mode, reportedStatus } from "./mode.js";
import { ownTransaction } from "./pool.js";

export function clientMode(client: Queryable, prepare: boolean): Mode {
  const session = querySession(client, prepare);
  const mutex = new Mutex();
  let probed: Promise<void> | undefined;

  /**
   * node-postgres reports the transaction status with every answer, so it
   * is checked before every call; other clients are asked once, at first use.
   */
  async function outsideAnyTransaction(): Promise<void> {
    const status = reportedStatus(client);
    if (status === "transaction")
      throw foreignTransaction("this connection is inside a transaction");
    if (status === "idle") return;
    probed ??= insideTransaction(session).then(
      (inside) => {
        if (inside) throw foreignTransaction("this connection is inside a transaction");
      },
      (error: unknown) => {
        probed = undefined;
        throw error;
      },
    );
    await probed;
  }

  const exclusive = <T>(fn: (session: Session) => Promise<T>) =>
    mutex.run(async () => {
      await outsideAnyTransaction();
      return fn(session);
    });
  return {
    kind: "client",
    inCallerTransaction: false,
    read: exclusive,
    atomic: (fn) => exclusive((s) => ownTransaction(s, fn)),
  };
}
