import {
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  type BatchOutcome,
  CoinageError,
  type CoinEvent,
  type Entry,
  type ExecuteOutcome,
  type ExpiringAccount,
  type ExpiringPage,
  type RequestRecord,
  type Store,
} from "@coinage/core";
import type { PostgresClient, Queryable, Row } from "./client.js";
import {
  commitMany,
  commitOne,
  findRequest,
  isDuplicateRequest,
  loadOne,
  type Sql,
} from "./commits.js";
import {
  asStoreError,
  BatchWriteRefused,
  isRetryableError,
  RetryTransaction,
  STORE_NAME,
} from "./failures.js";
import { callerMode, checkCallerTransaction } from "./modes/caller.js";
import type { Mode } from "./modes/mode.js";
import { openMode } from "./modes/open.js";
import { readStatements } from "./reads.js";
import { toEntry, toEvent } from "./rows.js";
import type { Session, Statement } from "./session.js";
import { fixedStatements, tables } from "./statements.js";
import { writeStatements } from "./writes.js";

export interface PostgresStoreOptions {
  /** A `pg.Pool` (recommended), a connected `pg.Client`, or a `@electric-sql/pglite` instance. */
  readonly pool: PostgresClient;
  /**
   * Schema holding the coinage tables (as given to `migrate`). When omitted,
   * table names are unqualified and resolved through the connection's
   * `search_path`.
   */
  readonly schema?: string;
  /**
   * How many times a transaction that hit a deadlock or serialization
   * failure is run again before the call fails with `STORE_UNAVAILABLE`.
   * Default 8. Never used inside the caller's transaction (`withTransaction`).
   */
  readonly maxRetries?: number;
  /**
   * Named prepared statements on node-postgres connections (default `true`):
   * each statement is parsed and planned once per connection. Turn off behind
   * a pooler that does not keep prepared statements (PgBouncer in transaction
   * mode before 1.21).
   */
  readonly preparedStatements?: boolean;
}

/**
 * A coinage `Store` on PostgreSQL.
 *
 * Each command is one READ COMMITTED transaction (or a savepoint of the
 * caller's transaction, see `withTransaction`): claim the request id, lock
 * the account row and read what the command needs of it in one statement;
 * let core decide; write lots, entries, counters, the request record and the
 * account with its totals in one statement. Deadlocks and serialization
 * failures are retried; a lost connection or a timeout surfaces as
 * `CoinageError("STORE_UNAVAILABLE")`.
 *
 * The tables must exist: run `migrate(pool, { schema })` first, or apply the
 * SQL files shipped in `migrations/` with your own tool.
 */
export function postgresStore(options: PostgresStoreOptions): Store & {
  withTransaction(tx: unknown): Store;
} {
  const prepare = options.preparedStatements ?? true;
  const t = tables(options.schema);
  const sql: Sql = {
    fixed: fixedStatements(t),
    reads: readStatements(t),
    write: writeStatements(t),
  };
  return new PostgresStore(openMode(options.pool, prepare, "store"), sql, {
    maxRetries: options.maxRetries ?? 8,
    prepare,
  });
}

interface Settings {
  readonly maxRetries: number;
  readonly prepare: boolean;
}

class PostgresStore implements Store {
  readonly name = STORE_NAME;
  readonly #mode: Mode;
  readonly #sql: Sql;
  readonly #settings: Settings;

  constructor(mode: Mode, sql: Sql, settings: Settings) {
    this.#mode = mode;
    this.#sql = sql;
    this.#settings = settings;
  }

  /**
   * The same store, running every call inside the caller's open transaction
   * `tx` (a `Queryable`: a pg client after `BEGIN`, a PGlite transaction, an
   * adapter's). Each call runs under a savepoint; `tx` is never begun,
   * committed or rolled back here.
   */
  withTransaction(tx: unknown): Store {
    const queryable: Queryable = checkCallerTransaction(tx);
    return new PostgresStore(
      callerMode(queryable, this.#settings.prepare),
      this.#sql,
      this.#settings,
    );
  }

  async insertEvent(programId: string, event: CoinEvent): Promise<boolean> {
    const rows = await this.#read("insertEvent", this.#sql.fixed.insertEvent, [
      programId,
      event.id,
      event.version,
      JSON.stringify(event),
    ]);
    return rows.length === 1;
  }

  async replaceEvent(
    programId: string,
    event: CoinEvent,
    expectedVersion: number,
  ): Promise<boolean> {
    const rows = await this.#read("replaceEvent", this.#sql.fixed.replaceEvent, [
      programId,
      event.id,
      event.version,
      JSON.stringify(event),
      expectedVersion,
    ]);
    return rows.length === 1;
  }

  async getEvent(programId: string, eventId: string): Promise<CoinEvent | null> {
    const [row] = await this.#read("getEvent", this.#sql.fixed.getEvent, [programId, eventId]);
    return row === undefined ? null : toEvent(row);
  }

  async listEvents(
    programId: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<CoinEvent[]> {
    const rows =
      page.after === undefined
        ? await this.#read("listEvents", this.#sql.fixed.listEvents, [programId, page.limit])
        : await this.#read("listEvents", this.#sql.fixed.listEventsAfter, [
            programId,
            page.limit,
            page.after,
          ]);
    return rows.map(toEvent);
  }

  async findRequest(programId: string, requestId: string): Promise<RequestRecord | null> {
    const record = await this.#run("findRequest", () =>
      this.#mode.read((session) => findRequest(session, this.#sql, programId, requestId)),
    );
    return record ?? null;
  }

  async loadAccount(
    programId: string,
    userId: string,
    reads: AccountReads,
  ): Promise<AccountSnapshot> {
    return this.#run("loadAccount", async () => {
      const snapshot = await this.#mode.read((session) =>
        loadOne(session, this.#sql, programId, userId, reads, false),
      );
      if (snapshot !== "needs lock") return snapshot;
      return (await this.#atomic((session) =>
        loadOne(session, this.#sql, programId, userId, reads, true),
      )) as AccountSnapshot;
    });
  }

  execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> {
    return this.#run("execute", async () => {
      // Without a lock first (one read, one write that checks the version),
      // except inside the caller's transaction, which holds its locks anyway.
      if (!this.#mode.inCallerTransaction) {
        try {
          const first = await this.#replayingDuplicates(command, () =>
            this.#mode.read((session) => commitOne(session, this.#sql, command, false)),
          );
          if (first.status === "committed" || first.status === "replayed") return first;
        } catch (error) {
          // A deadlock or serialization failure of the single write: the locked path retries.
          if (!isRetryableError(error)) throw error;
        }
      }
      const outcome = await this.#replayingDuplicates(command, () =>
        this.#atomic((session) => commitOne(session, this.#sql, command, true)),
      );
      if (outcome.status === "committed" || outcome.status === "replayed") return outcome;
      throw new RetryTransaction(`the command could not settle under its lock (${outcome.status})`);
    });
  }

  /**
   * `run`, answering `replayed` when its write was refused because a record
   * with the same request id was committed first (the refused write left
   * nothing: one statement, or a transaction or savepoint rolled back).
   */
  async #replayingDuplicates<T, R extends { status: string }>(
    command: AccountCommand<T>,
    run: () => Promise<R>,
  ): Promise<R | { status: "replayed"; record: RequestRecord }> {
    try {
      return await run();
    } catch (error) {
      const requestId = command.request?.requestId;
      if (requestId === undefined || !isDuplicateRequest(error)) throw error;
      const record = await this.#mode.read((session) =>
        findRequest(session, this.#sql, command.programId, requestId),
      );
      if (record === undefined) throw new RetryTransaction("the request record vanished");
      return { status: "replayed", record };
    }
  }

  async executeMany<T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]> {
    if (commands.length === 0) return [];
    try {
      return await this.#run("executeMany", () =>
        this.#atomic((session) => commitMany(session, this.#sql, commands)),
      );
    } catch (error) {
      if (!(error instanceof BatchWriteRefused)) throw error;
      // The batch's combined write was refused (a constraint caught a bad
      // decision): nothing of it was committed. Run the commands one by one,
      // so only the faulty one fails.
      const outcomes: BatchOutcome<T>[] = [];
      for (const command of commands) {
        try {
          outcomes.push(await this.execute(command));
        } catch (commandError) {
          if (CoinageError.is(commandError, "STORE_UNAVAILABLE")) throw commandError;
          outcomes.push({ status: "failed", error: commandError });
        }
      }
      return outcomes;
    }
  }

  async history(
    programId: string,
    userId: string,
    page: { readonly limit: number; readonly beforeSeq?: number },
  ): Promise<Entry[]> {
    const rows =
      page.beforeSeq === undefined
        ? await this.#read("history", this.#sql.fixed.history, [programId, userId, page.limit])
        : await this.#read("history", this.#sql.fixed.historyBefore, [
            programId,
            userId,
            page.limit,
            page.beforeSeq,
          ]);
    return rows.map(toEntry);
  }

  async findExpiring(
    programId: string,
    before: number,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<string[]> {
    const rows =
      page.after === undefined
        ? await this.#read("findExpiring", this.#sql.fixed.findExpiring, [
            programId,
            before,
            page.limit,
          ])
        : await this.#read("findExpiring", this.#sql.fixed.findExpiringAfter, [
            programId,
            before,
            page.limit,
            page.after,
          ]);
    return rows.map((row) => String(row.user_id));
  }

  async listExpiring(programId: string, page: ExpiringPage): Promise<ExpiringAccount[]> {
    const rows = await this.#read("listExpiring", this.#sql.fixed.listExpiring, [
      programId,
      page.now,
      page.before,
      page.limit,
      page.after?.earliest ?? Number.MIN_SAFE_INTEGER,
      page.after?.userId ?? "",
    ]);
    return rows.map((row) => ({
      userId: String(row.user_id),
      earliest: Number(row.earliest),
      coins: String(row.coins),
      next: row.next === null || row.next === undefined ? null : Number(row.next),
    }));
  }

  async getBudgetUsed(programId: string, eventId: string): Promise<string> {
    const [row] = await this.#read("getBudgetUsed", this.#sql.fixed.budgetUsed, [
      programId,
      eventId,
    ]);
    return row === undefined ? "0" : String(row.used);
  }

  // ── plumbing ─────────────────────────────────────────────────────────────

  #read(operation: string, stmt: Statement, values: readonly unknown[]): Promise<Row[]> {
    return this.#run(operation, () => this.#mode.read((session) => session.query(stmt, values)));
  }

  /**
   * `fn` all or nothing; on a store's own transaction, run again after a
   * deadlock, a serialization failure or a lost race (never inside the
   * caller's transaction: that is the caller's to retry).
   */
  async #atomic<R>(fn: (session: Session) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#mode.atomic(fn);
      } catch (error) {
        const again = error instanceof RetryTransaction || isRetryableError(error);
        if (!again || this.#mode.inCallerTransaction || attempt > this.#settings.maxRetries)
          throw error;
        // Full jitter, growing: 0–2 ms, 0–4 ms, … capped at 0–200 ms.
        await sleep(Math.random() * Math.min(200, 2 ** attempt));
      }
    }
  }

  /** Backend failures as `STORE_UNAVAILABLE`; coinage's own errors pass through. */
  async #run<R>(operation: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (error) {
      throw asStoreError(operation, error, this.#mode.inCallerTransaction);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
