/**
 * A store whose every call runs inside a caller's transaction of its own,
 * through `withTransaction`: begin, call, commit. A call that fails with a
 * coinage error (bad input, INSUFFICIENT_COINS, a conflict) is committed
 * anyway, as a caller that goes on with its transaction would: the savepoint
 * must have undone exactly that call. A failure that says to retry the
 * transaction rolls it back and runs it again, as the caller is told to.
 */
import {
  type AccountCommand,
  type BatchOutcome,
  CoinageError,
  type GroupOutcome,
  type Store,
} from "@coinage/core";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";

export interface TransactionalStore extends Store {
  withTransaction(tx: unknown): Store;
}

/** Runs `fn` inside one caller transaction: commits when it returns, rolls back when it throws. */
export type CallerTransaction = <T>(fn: (tx: unknown) => Promise<T>) => Promise<T>;

/** A transaction on a connection checked out of `pool`. */
export function poolTransaction(pool: pg.Pool): CallerTransaction {
  return async (fn) => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  };
}

/** A PGlite transaction. */
export function pgliteTransaction(db: PGlite): CallerTransaction {
  return (fn) => db.transaction((tx: Transaction) => fn(tx));
}

const ATTEMPTS = 8;

/** `store`, every call in its own caller transaction. */
export function inCallerTransactions(
  store: TransactionalStore,
  transaction: CallerTransaction,
): Store {
  async function call<T>(run: (joined: Store) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const settled = await transaction(async (tx) => {
          try {
            return { ok: true as const, value: await run(store.withTransaction(tx)) };
          } catch (error) {
            // A failed call leaves the transaction usable: commit what it holds (nothing of the call).
            if (CoinageError.is(error) && error.code !== "STORE_UNAVAILABLE")
              return { ok: false as const, error };
            throw error;
          }
        });
        if (settled.ok) return settled.value;
        throw settled.error;
      } catch (error) {
        const retry =
          CoinageError.is(error, "STORE_UNAVAILABLE") && error.details.retry === "transaction";
        if (!retry || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt));
      }
    }
  }
  return {
    name: store.name,
    insertEvent: (...args) => call((s) => s.insertEvent(...args)),
    replaceEvent: (...args) => call((s) => s.replaceEvent(...args)),
    getEvent: (...args) => call((s) => s.getEvent(...args)),
    listEvents: (...args) => call((s) => s.listEvents(...args)),
    findRequest: (...args) => call((s) => s.findRequest(...args)),
    loadAccount: (...args) => call((s) => s.loadAccount(...args)),
    execute: (command) => call((s) => s.execute(command)),
    executeMany: <T>(commands: readonly AccountCommand<T>[]) =>
      call((s) => s.executeMany?.(commands) as Promise<BatchOutcome<T>[]>),
    history: (...args) => call((s) => s.history(...args)),
    findExpiring: (...args) => call((s) => s.findExpiring(...args)),
    listExpiring: (programId, page) =>
      call((s) => (s.listExpiring as NonNullable<Store["listExpiring"]>).call(s, programId, page)),
    readFeed: (programId, page) =>
      call((s) => (s.readFeed as NonNullable<Store["readFeed"]>).call(s, programId, page)),
    executeTogether: <T>(commands: readonly AccountCommand<T>[]) =>
      call(
        (s) =>
          (s.executeTogether as NonNullable<Store["executeTogether"]>).call(s, commands) as Promise<
            GroupOutcome<T>
          >,
      ),
    readLiability: (programId, at) =>
      call((s) => (s.readLiability as NonNullable<Store["readLiability"]>).call(s, programId, at)),
    erase: <T>(command: AccountCommand<T>, pseudonym: string) =>
      call(
        (s) => (s.erase as NonNullable<Store["erase"]>).call(s, command, pseudonym) as Promise<T>,
      ),
    getBudgetUsed: (...args) => call((s) => s.getBudgetUsed(...args)),
  };
}
