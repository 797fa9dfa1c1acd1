/**
 * A pool: every transaction on a connection of its own, checked out for it
 * and given back afterwards (destroyed when it failed).
 */
import type { PoolClientLike, PoolLike } from "../client.js";
import { isConnectionError } from "../failures.js";
import { querySession, type Session } from "../session.js";
import { BEGIN, type Mode } from "./mode.js";

export function poolMode(pool: PoolLike, prepare: boolean): Mode {
  async function withConnection<T>(fn: (client: PoolClientLike) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | boolean = false;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on?.("error", onError);
    try {
      return await fn(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error instanceof Error ? error : true;
      throw error;
    } finally {
      client.removeListener?.("error", onError);
      client.release(broken);
    }
  }
  return {
    kind: "pool",
    inCallerTransaction: false,
    read: (fn) => withConnection((client) => fn(querySession(client, prepare))),
    atomic: (fn) => withConnection((client) => ownTransaction(querySession(client, prepare), fn)),
  };
}

/**
 * `BEGIN`, `fn`, `COMMIT`; `ROLLBACK` when `fn` throws (unless the
 * connection is gone: the server then rolls back on its own). A connection
 * lost while `COMMIT` is in flight leaves the outcome unknown; the error
 * reaches the caller, whose retry with the same request id finds out.
 */
export async function ownTransaction<T>(
  session: Session,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  await session.command(BEGIN);
  let result: T;
  try {
    result = await fn(session);
  } catch (error) {
    if (!isConnectionError(error)) {
      try {
        await session.command("ROLLBACK");
      } catch (rollbackError) {
        if (!isConnectionError(rollbackError)) throw rollbackError;
      }
    }
    throw error;
  }
  await session.command("COMMIT");
  return result;
}
