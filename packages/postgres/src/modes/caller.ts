/**
 * The caller's transaction (`coins.withTransaction(tx)`): the store never
 * begins, commits or rolls back `tx`. Each call runs under a savepoint,
 * released when it succeeds and rolled back to when it fails, so a failed
 * call undoes exactly its own statements (its idempotency claim included)
 * and the caller's transaction goes on. Nothing is retried inside: a
 * deadlock, a serialization failure or a lost connection fails the call with
 * `STORE_UNAVAILABLE` and `details.retry: "transaction"`.
 *
 * Calls on one `tx` run one after another (one connection runs one
 * statement at a time, and savepoints nest).
 */
import { invalidInput } from "@coinage/core";
import { isPGlite, isPool, isQueryable, type Queryable } from "../client.js";
import { isConnectionError, sqlState } from "../failures.js";
import { Mutex, pgliteSession, querySession, type Session } from "../session.js";
import { type Mode, reportedStatus } from "./mode.js";

const SAVEPOINT = "coinage_call";

/**
 * One queue per caller transaction, whichever store or engine the calls come
 * through: one connection runs one statement at a time, and savepoints nest.
 */
const queues = new WeakMap<object, Mutex>();

function queueOf(tx: object): Mutex {
  let queue = queues.get(tx);
  if (queue === undefined) {
    queue = new Mutex();
    queues.set(tx, queue);
  }
  return queue;
}

/** Refuse what cannot be a connection inside a transaction, before any statement runs. */
export function checkCallerTransaction(tx: unknown): Queryable {
  if (!isQueryable(tx)) {
    throw invalidInput({
      path: "tx",
      message:
        "expected a connection inside an open transaction: a pg client after BEGIN, the transaction PGlite hands to transaction(fn), or an adapter's Queryable",
    });
  }
  if (isPool(tx)) {
    throw invalidInput({
      path: "tx",
      message:
        "a pool runs each statement on any of its connections; check out a client, BEGIN on it and pass that client",
    });
  }
  if (isPGlite(tx)) {
    throw invalidInput({
      path: "tx",
      message:
        "this is the PGlite instance, not a transaction; pass the object PGlite hands to db.transaction(async (tx) => …)",
    });
  }
  return tx;
}

export function callerMode(tx: Queryable, prepare: boolean): Mode {
  const mutex = queueOf(tx);
  const session =
    typeof (tx as { exec?: unknown }).exec === "function"
      ? pgliteSession(tx as Queryable & { exec(sql: string): Promise<unknown> })
      : querySession(tx, prepare);

  function inTransaction(): void {
    if (reportedStatus(tx) === "idle") throw notInTransaction();
  }

  return {
    kind: "transaction",
    inCallerTransaction: true,
    read: (fn) =>
      mutex.run(async () => {
        inTransaction();
        return fn(session);
      }),
    atomic: (fn) =>
      mutex.run(async () => {
        inTransaction();
        await savepoint(session);
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(session);
        } catch (error) {
          if (!isConnectionError(error)) {
            await session.command(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
            await session.command(`RELEASE SAVEPOINT ${SAVEPOINT}`);
          }
          throw error;
        }
        await session.command(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        return result;
      }),
  };
}

async function savepoint(session: Session): Promise<void> {
  try {
    await session.command(`SAVEPOINT ${SAVEPOINT}`);
  } catch (error) {
    const state = sqlState(error);
    if (state === "25P01") throw notInTransaction();
    if (state === "25P02") {
      throw invalidInput({
        path: "tx",
        message:
          "the transaction has already failed (an earlier statement of it raised an error); roll it back",
      });
    }
    throw error;
  }
}

function notInTransaction() {
  return invalidInput({
    path: "tx",
    message:
      "the connection is not inside a transaction; run BEGIN on it first (coinage never begins or commits the caller's transaction)",
  });
}
