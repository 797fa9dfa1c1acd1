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
  emptySnapshot,
  erasedRecord,
  type FeedPage,
  type GroupOutcome,
  invalidInput,
  type LiabilityFigures,
  type ProgramTally,
  type RequestRecord,
  type Store,
  TALLY_FIELDS,
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
import { arrayLiteral, toEntry, toEvent, toRequest } from "./rows.js";
import type { Session, Statement } from "./session.js";
import { fixedStatements, TALLY_COLUMNS, tables } from "./statements.js";
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

/** Delta rows of a program's totals past which a read folds them into its base row. */
const COMPACT_AFTER = 2_000;

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

  /**
   * The change feed: entries in (tx, user_id, seq) order, where `tx` is the
   * id of the transaction that wrote them (or the account's previous
   * entry's, when higher: see `writes.ts`), read only below the oldest
   * transaction still in flight on the server (see migration 0004). So an
   * entry appears once its transaction committed, never before a position
   * already handed out, each account's entries in seq order; and a
   * long-running transaction (any that holds an xid, in any database of the
   * server) holds the feed back until it ends.
   * A position is `tx:seq:userId` (the user id last: it may hold any
   * character).
   */
  async readFeed(
    programId: string,
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FeedPage> {
    const after =
      page.after === undefined ? { tx: "0", seq: 0, userId: "" } : feedPosition(page.after);
    const rows = await this.#read("readFeed", this.#sql.fixed.readFeed, [
      programId,
      after.tx,
      after.userId,
      after.seq,
      page.limit,
    ]);
    const items = rows.map((row) => {
      const userId = String(row.user_id);
      const entry = toEntry(row);
      return { position: `${String(row.tx)}:${entry.seq}:${userId}`, userId, entry };
    });
    const last = items[items.length - 1];
    return { items, next: last === undefined ? (page.after ?? null) : last.position };
  }

  /**
   * Several commands on different accounts, all or nothing (see
   * `Store.executeTogether`): the batch path (accounts created and locked in
   * a fixed order, one write), in one transaction or savepoint that any
   * failed decision or any request id booked already rolls back whole.
   */
  executeTogether<T>(commands: readonly AccountCommand<T>[]): Promise<GroupOutcome<T>> {
    return this.#run("executeTogether", async () => {
      try {
        return await this.#atomic(async (session) => {
          const outcomes = await commitMany(session, this.#sql, commands);
          const records: Record<string, RequestRecord> = Object.create(null);
          let booked = false;
          const results: T[] = [];
          for (const outcome of outcomes) {
            if (outcome.status === "failed") throw outcome.error;
            if (outcome.status === "replayed") {
              records[outcome.record.requestId] = outcome.record;
              booked = true;
            } else results.push(outcome.result);
          }
          if (booked) throw new GroupReplayed(records);
          return { status: "committed" as const, results };
        });
      } catch (error) {
        if (error instanceof GroupReplayed)
          return { status: "replayed" as const, records: error.records };
        const duplicate =
          isDuplicateRequest(error) ||
          (error instanceof BatchWriteRefused && isDuplicateRequest(error.cause));
        if (!duplicate) throw error;
        // Another transaction booked one of the ids first: answer with what it booked.
        const records: Record<string, RequestRecord> = Object.create(null);
        for (const command of commands) {
          const id = command.request?.requestId;
          if (id === undefined) continue;
          const record = await this.#mode.read((session) =>
            findRequest(session, this.#sql, command.programId, id),
          );
          if (record !== undefined) records[id] = record;
        }
        return { status: "replayed" as const, records };
      }
    });
  }

  /**
   * Erase an account (see `Store.erase`), in one transaction (or a savepoint
   * of the caller's): the forfeit commits like any command, holding the
   * account row; then its rows move to `pseudonym`, entries through the one
   * update the append-only trigger allows (migration 0006), and its request
   * records are rewritten (`erasedRecord`). Finding those records reads the
   * program's request records (no index by user is kept: it would cost every
   * write); an erasure is rare. An account never written is left alone.
   */
  erase<T>(command: AccountCommand<T>, pseudonym: string): Promise<T> {
    const { programId, userId } = command;
    const fixed = this.#sql.fixed;
    return this.#run("erase", () =>
      this.#atomic(async (session) => {
        const exists = await session.query(fixed.accountExists, [programId, userId]);
        if (exists.length === 0) return command.decide(emptySnapshot(userId)).result;
        let outcome = await commitOne(session, this.#sql, command, false);
        if (outcome.status !== "committed")
          outcome = await commitOne(session, this.#sql, command, true);
        if (outcome.status !== "committed")
          throw new RetryTransaction(`the forfeit could not settle (${outcome.status})`);
        const records = (await session.query(fixed.requestsOfUser, [programId, userId])).map(
          (row) => erasedRecord(toRequest(row), pseudonym),
        );
        await session.query(fixed.erasureSetting, ["on"]);
        await session.query(fixed.moveAccount, [programId, userId, pseudonym]);
        await session.query(fixed.erasureSetting, ["off"]);
        if (records.length > 0) {
          await session.query(fixed.rewriteRequests, [
            programId,
            arrayLiteral(records.map((r) => r.requestId)),
            arrayLiteral(records.map((r) => r.userId)),
            arrayLiteral(records.map((r) => r.fingerprint)),
            arrayLiteral(records.map((r) => JSON.stringify(r.result ?? null))),
          ]);
        }
        return outcome.result;
      }),
    );
  }

  /**
   * The program's totals: its base row plus the delta rows commits append
   * (see migration 0005), and the pending and unswept expired coins at `at`.
   * When the deltas pass `COMPACT_AFTER` rows, a read on the store's own
   * connections folds them into the base row after answering (inside a
   * caller's transaction it never writes).
   */
  async readLiability(programId: string, at: number): Promise<LiabilityFigures> {
    const [row] = await this.#read("readLiability", this.#sql.fixed.readLiability, [programId, at]);
    if (row === undefined) throw new Error("the liability read returned no row");
    const value = (column: string) => String(row[column]);
    if (Number(row.deltas) > COMPACT_AFTER && !this.#mode.inCallerTransaction) {
      await this.#atomic((session) =>
        session.query(this.#sql.fixed.compactTallies, [programId]),
      ).catch(() => undefined); // Only housekeeping: the next read tries again.
    }
    return {
      tally: Object.fromEntries(
        TALLY_FIELDS.map((field, i) => [field, value(TALLY_COLUMNS[i] as string)]),
      ) as unknown as ProgramTally,
      pending: value("pending"),
      due: value("due"),
    };
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

/** Rolls a group back when one of its request ids was booked already (see `executeTogether`). */
class GroupReplayed extends Error {
  constructor(readonly records: Record<string, RequestRecord>) {
    super("a request id of the group was booked already");
  }
}

/** A feed position (`tx:seq:userId`) read back; `INVALID_INPUT` at `after` when it is not one. */
function feedPosition(position: string): { tx: string; seq: number; userId: string } {
  const match = /^(0|[1-9]\d{0,19}):([1-9]\d{0,15}):(.+)$/s.exec(position);
  // The user id travels as a text parameter: no NUL, no lone surrogate.
  if (
    match === null ||
    BigInt(match[1] as string) >= 2n ** 64n ||
    (match[3] as string).includes("\u0000") ||
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(
      match[3] as string,
    )
  ) {
    throw invalidInput({ path: "after", message: "expected a cursor returned by an earlier call" });
  }
  return { tx: match[1] as string, seq: Number(match[2]), userId: match[3] as string };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
