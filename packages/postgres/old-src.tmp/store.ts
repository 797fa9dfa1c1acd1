import {
  type AccountChange,
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  addDecimalStrings,
  applyChange,
  type BatchOutcome,
  budgetAfter,
  CoinageError,
  type CoinEvent,
  compareDecimalStrings,
  type Entry,
  type ExecuteOutcome,
  emptySnapshot,
  isZeroDecimalString,
  type Lot,
  type RequestRecord,
  type Store,
  snapshotFor,
} from "@coinage/core";
import {
  type Connection,
  type Driver,
  isRetryableError,
  isUnavailableError,
  type PostgresClient,
  type Row,
  toDriver,
} from "./client.js";
import { type Statements, statements } from "./sql.js";

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
   * Default 8.
   */
  readonly maxRetries?: number;
}

const STORE_NAME = "postgres";

/** How often one command re-decides because the event budget moved under it. */
const MAX_BUDGET_ROUNDS = 16;

/**
 * A coinage `Store` on PostgreSQL.
 *
 * Each command is one READ COMMITTED transaction: claim the request id
 * (`INSERT … ON CONFLICT DO NOTHING`), lock the account row
 * (`FOR NO KEY UPDATE`), read the open lots, let core decide, then write
 * lots, entries, counters, the request record and the account in one
 * statement. Event budgets are reserved with a conditional update after the
 * account lock. Deadlocks and serialization failures are retried; a lost
 * connection or a timeout surfaces as `CoinageError("STORE_UNAVAILABLE")`.
 *
 * The tables must exist: run `migrate(pool, { schema })` first, or apply the
 * SQL files shipped in `migrations/` with your own tool.
 */
export function postgresStore(options: PostgresStoreOptions): Store {
  return new PostgresStore(options);
}

class PostgresStore implements Store {
  readonly name = STORE_NAME;
  readonly #driver: Driver;
  readonly #sql: Statements;
  readonly #maxRetries: number;

  constructor(options: PostgresStoreOptions) {
    this.#driver = toDriver(options.pool);
    this.#sql = statements(options.schema);
    this.#maxRetries = options.maxRetries ?? 8;
  }

  async insertEvent(programId: string, event: CoinEvent): Promise<boolean> {
    const rows = await this.#query("insertEvent", this.#sql.insertEvent, [
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
    const rows = await this.#query("replaceEvent", this.#sql.replaceEvent, [
      programId,
      event.id,
      event.version,
      JSON.stringify(event),
      expectedVersion,
    ]);
    return rows.length === 1;
  }

  async getEvent(programId: string, eventId: string): Promise<CoinEvent | null> {
    const rows = await this.#query("getEvent", this.#sql.getEvent, [programId, eventId]);
    const row = rows[0];
    return row === undefined ? null : toEvent(row);
  }

  async listEvents(
    programId: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<CoinEvent[]> {
    const rows =
      page.after === undefined
        ? await this.#query("listEvents", this.#sql.listEvents, [programId, page.limit])
        : await this.#query("listEvents", this.#sql.listEventsAfter, [
            programId,
            page.limit,
            page.after,
          ]);
    return rows.map(toEvent);
  }

  async findRequest(programId: string, requestId: string): Promise<RequestRecord | null> {
    const rows = await this.#query("findRequest", this.#sql.findRequest, [programId, requestId]);
    const row = rows[0];
    return row === undefined ? null : toRequest(jsonColumn(row.d));
  }

  async loadAccount(
    programId: string,
    userId: string,
    reads: AccountReads,
  ): Promise<AccountSnapshot> {
    return this.#run("loadAccount", async () => {
      const read = readStateQuery(this.#sql, [{ programId, userId, reads }], []);
      const state = parseState(await this.#driver.query(read.text, read.values));
      return snapshotFor(
        baseSnapshot(state, programId, userId),
        reads,
        budgetOf(state, programId, reads),
      );
    });
  }

  execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>> {
    return this.#run("execute", () =>
      this.#transaction((connection) => this.#executeIn(connection, command)),
    );
  }

  async executeMany<T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]> {
    if (commands.length === 0) return [];
    try {
      return await this.#run("executeMany", () =>
        this.#transaction((connection) => this.#executeManyIn(connection, commands)),
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
        ? await this.#query("history", this.#sql.history, [programId, userId, page.limit])
        : await this.#query("history", this.#sql.historyBefore, [
            programId,
            userId,
            page.limit,
            page.beforeSeq,
          ]);
    return (jsonColumn(rows[0]?.d) as Tuple[]).map(toEntry);
  }

  async findExpiring(
    programId: string,
    before: number,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<string[]> {
    const rows =
      page.after === undefined
        ? await this.#query("findExpiring", this.#sql.findExpiring, [programId, before, page.limit])
        : await this.#query("findExpiring", this.#sql.findExpiringAfter, [
            programId,
            before,
            page.limit,
            page.after,
          ]);
    return rows.map((row) => String(row.user_id));
  }

  async getBudgetUsed(programId: string, eventId: string): Promise<string> {
    const rows = await this.#query("getBudgetUsed", this.#sql.budgetUsed, [programId, eventId]);
    const row = rows[0];
    return row === undefined ? "0" : String(row.used);
  }

  // ── one command ────────────────────────────────────────────────────────

  async #executeIn<T>(
    connection: Connection,
    command: AccountCommand<T>,
  ): Promise<ExecuteOutcome<T>> {
    const { programId, userId, request } = command;
    const sql = this.#sql;

    // 1. Claim the request id, then lock the account row.
    let locked: boolean;
    if (request !== undefined) {
      const [row] = await connection.query(sql.claimAndLock, [
        programId,
        userId,
        request.requestId,
        request.fingerprint,
      ]);
      if (row?.claimed !== true) {
        // Someone committed this request id first (the claim waited for them).
        const [found] = await connection.query(sql.findRequest, [programId, request.requestId]);
        if (found === undefined) throw new RetryTransaction("the claimed request record vanished");
        return { status: "replayed", record: toRequest(jsonColumn(found.d)) };
      }
      locked = row.locked === true;
    } else {
      locked = (await connection.query(sql.lockAccount, [programId, userId])).length === 1;
    }
    if (!locked) {
      // First command on this account: create its row; if someone else just
      // did, their insert has committed by now and the row can be locked.
      const created = await connection.query(sql.createAccount, [programId, userId]);
      if (
        created.length === 0 &&
        (await connection.query(sql.lockAccount, [programId, userId])).length !== 1
      ) {
        throw new RetryTransaction("the account row could not be locked");
      }
    }

    // 2. Read the account (the lock is held: nothing changes under us).
    const read = readStateQuery(sql, [{ programId, userId, reads: command.reads }], []);
    const state = parseState(await connection.query(read.text, read.values));
    let snapshot = snapshotFor(
      baseSnapshot(state, programId, userId),
      command.reads,
      budgetOf(state, programId, command.reads),
    );

    // 3. Decide; reserve budget; write.
    for (let round = 1; ; round++) {
      const { change, result } = command.decide(snapshot);
      const budget = change.budget;
      if (budget !== undefined && !isZeroDecimalString(budget.add)) {
        const reserved = await connection.query(sql.reserveBudget, [
          programId,
          budget.eventId,
          budget.add,
          budget.limit,
        ]);
        if (reserved.length === 0) {
          // The budget moved since we read it; the row is locked now, so this read is exact.
          if (round >= MAX_BUDGET_ROUNDS)
            throw new Error("the event budget kept refusing the decided coins");
          const [used] = await connection.query(sql.budgetUsed, [programId, budget.eventId]);
          snapshot = { ...snapshot, budgetUsed: used === undefined ? "0" : String(used.used) };
          continue;
        }
      }
      const writes = new Writes();
      writes.addAccount(programId, snapshot, change);
      const claims = request === undefined ? [] : [request.requestId];
      writes.settleClaims(
        programId,
        claims.filter((id) => !change.requests.some((record) => record.requestId === id)),
      );
      await writes.flush(connection, sql, false);
      return { status: "committed", result };
    }
  }

  // ── a batch ────────────────────────────────────────────────────────────

  async #executeManyIn<T>(
    connection: Connection,
    commands: readonly AccountCommand<T>[],
  ): Promise<BatchOutcome<T>[]> {
    const sql = this.#sql;

    // 1. Claim every request id (sorted, so two batches never wait on each other in a cycle).
    const claimRows = new Map<string, { p: string; r: string; u: string; f: string }>();
    for (const command of commands) {
      if (command.request === undefined) continue;
      const key = pairKey(command.programId, command.request.requestId);
      if (!claimRows.has(key)) {
        claimRows.set(key, {
          p: command.programId,
          r: command.request.requestId,
          u: command.userId,
          f: command.request.fingerprint,
        });
      }
    }
    const claimed = new Set<string>();
    if (claimRows.size > 0) {
      const rows = await connection.query(sql.claimMany, [JSON.stringify([...claimRows.values()])]);
      for (const row of rows) claimed.add(pairKey(String(row.p), String(row.r)));
    }

    // 2. Create and lock every account, in a fixed order.
    const accountKeys = new Map<string, { p: string; u: string }>();
    for (const command of commands) {
      accountKeys.set(pairKey(command.programId, command.userId), {
        p: command.programId,
        u: command.userId,
      });
    }
    const accountsJson = JSON.stringify([...accountKeys.values()]);
    await connection.query(sql.createAccounts, [accountsJson]);
    const lockedRows = await connection.query(sql.lockAccounts, [accountsJson]);
    if (lockedRows.length !== accountKeys.size)
      throw new RetryTransaction("not every account row could be locked");

    // 3. Read every account, and the records the unclaimed request ids point at.
    const unclaimed = [...claimRows.entries()]
      .filter(([key]) => !claimed.has(key))
      .map(([, row]) => row);
    const targets = commands.map((command) => ({
      programId: command.programId,
      userId: command.userId,
      reads: command.reads,
    }));
    const read = readStateQuery(sql, targets, unclaimed);
    const state = parseState(await connection.query(read.text, read.values));

    // 4. Lock the budgets the batch may draw on, in a fixed order, and read them exactly.
    const budgetKeys = new Map<string, { p: string; e: string }>();
    for (const command of commands) {
      const eventId = command.reads.budgetEventId;
      if (eventId !== undefined)
        budgetKeys.set(pairKey(command.programId, eventId), { p: command.programId, e: eventId });
    }
    const budgetUsed = new Map<string, string>();
    if (budgetKeys.size > 0) {
      const budgetsJson = JSON.stringify([...budgetKeys.values()]);
      await connection.query(sql.createBudgets, [budgetsJson]);
      for (const row of await connection.query(sql.lockBudgets, [budgetsJson])) {
        budgetUsed.set(pairKey(String(row.p), String(row.e)), String(row.used));
      }
    }

    // 5. Decide every command in order, each on its account's state after the earlier ones.
    const snapshots = new Map<string, AccountSnapshot>();
    const records = new Map<string, RequestRecord>(); // committed records, by (program, request id)
    for (const [key, record] of state.records) records.set(key, record);
    const claimOwner = new Map<string, "pending" | "done">(); // claimed ids: still open, or settled by a decision
    for (const key of claimed) claimOwner.set(key, "pending");
    const writes = new Writes();
    const outcomes: BatchOutcome<T>[] = [];

    for (const command of commands) {
      const accountKey = pairKey(command.programId, command.userId);
      const requestKey =
        command.request === undefined
          ? undefined
          : pairKey(command.programId, command.request.requestId);
      if (requestKey !== undefined) {
        const existing = records.get(requestKey);
        if (existing !== undefined) {
          outcomes.push({ status: "replayed", record: existing });
          continue;
        }
        if (claimOwner.get(requestKey) !== "pending") {
          // Claimed by another transaction, which then left no record.
          throw new RetryTransaction("a request id was released by another transaction");
        }
      }
      const current =
        snapshots.get(accountKey) ?? baseSnapshot(state, command.programId, command.userId);
      const eventId = command.reads.budgetEventId;
      const budgetKey = eventId === undefined ? undefined : pairKey(command.programId, eventId);
      const view = snapshotFor(
        current,
        command.reads,
        budgetKey === undefined ? undefined : (budgetUsed.get(budgetKey) ?? "0"),
      );
      let decision: ReturnType<AccountCommand<T>["decide"]>;
      try {
        decision = command.decide(view);
        const budget = decision.change.budget;
        if (budget !== undefined && !isZeroDecimalString(budget.add)) {
          const key = pairKey(command.programId, budget.eventId);
          const total = budgetAfter(budgetUsed.get(key) ?? "0", budget.add);
          const spends = compareDecimalStrings(budget.add, "0") > 0;
          if (!budgetKeys.has(key) || (spends && compareDecimalStrings(total, budget.limit) > 0)) {
            throw new Error(`the decided change passes the budget of event ${budget.eventId}`);
          }
          budgetUsed.set(key, total);
        }
      } catch (error) {
        outcomes.push({ status: "failed", error });
        continue;
      }
      const { change, result } = decision;
      snapshots.set(accountKey, applyChange(current, change));
      writes.addAccount(command.programId, current, change);
      for (const record of change.requests) {
        const key = pairKey(command.programId, record.requestId);
        records.set(key, record);
        if (claimOwner.has(key)) claimOwner.set(key, "done");
      }
      outcomes.push({ status: "committed", result });
    }

    // 6. Drop the claims no decision completed, and write everything at once.
    writes.settleClaims(
      null,
      [...claimOwner.entries()].filter(([, owner]) => owner === "pending").map(([key]) => key),
    );
    await writes.flush(connection, sql, true);
    return outcomes;
  }

  // ── plumbing ───────────────────────────────────────────────────────────

  async #query(operation: string, text: string, values: readonly unknown[]): Promise<Row[]> {
    return this.#run(operation, () => this.#driver.query(text, values));
  }

  /** Run a transaction, again on a deadlock or serialization failure. */
  async #transaction<R>(fn: (connection: Connection) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#driver.transaction(fn);
      } catch (error) {
        const again = error instanceof RetryTransaction || isRetryableError(error);
        if (!again || attempt > this.#maxRetries) throw error;
        // Full jitter, growing: 0–2 ms, 0–4 ms, … capped at 0–200 ms.
        await sleep(Math.random() * Math.min(200, 2 ** attempt));
      }
    }
  }

  /** Map backend failures to `STORE_UNAVAILABLE`; let coinage's own errors through. */
  async #run<R>(operation: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof CoinageError || error instanceof BatchWriteRefused) throw error;
      if (error instanceof RetryTransaction || isUnavailableError(error)) {
        throw new CoinageError(
          "STORE_UNAVAILABLE",
          { operation },
          {
            message: `${STORE_NAME} store: ${operation} failed: ${messageOf(error)}`,
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}

/** Internal: the transaction should run again from the start. */
class RetryTransaction extends Error {
  override readonly name = "RetryTransaction";
}

/** Internal: the database refused a batch's combined write. */
class BatchWriteRefused extends Error {
  override readonly name = "BatchWriteRefused";
}

/** The rows one transaction writes, collected across its commands. */
class Writes {
  readonly #accounts = new Map<string, Record<string, unknown>>();
  readonly #lots = new Map<string, Record<string, unknown>>();
  readonly #entries: Record<string, unknown>[] = [];
  readonly #usage = new Map<string, Record<string, unknown>>();
  readonly #requests = new Map<string, Record<string, unknown>>();
  readonly #drops: { p: string; r: string }[] = [];
  readonly #budgets = new Map<string, { p: string; e: string; add: string; lim: string }>();

  /** Record `change`, decided on `before`, for the account in `before`. */
  addAccount(programId: string, before: AccountSnapshot, change: AccountChange): void {
    const p = programId;
    const u = before.userId;
    const accountKey = pairKey(p, u);
    const prior = this.#accounts.get(accountKey);
    this.#accounts.set(accountKey, {
      p,
      u,
      version: (prior === undefined ? before.version : Number(prior.version)) + 1,
      debt: change.debt,
      next_lot_id: change.nextLotId,
      next_entry_seq: change.nextEntrySeq,
    });
    for (const lot of change.lots) {
      this.#lots.set(`${accountKey}\u0000${lot.id}`, {
        p,
        u,
        id: lot.id,
        coins: lot.coins,
        remaining: lot.remaining,
        earned_at: lot.earnedAt,
        available_at: lot.availableAt,
        expires_at: lot.expiresAt,
        event_id: lot.eventId,
        request_id: lot.requestId,
        expired: lot.expired ?? "0",
        shortfall: lot.shortfall ?? "0",
      });
    }
    for (const entry of change.entries) {
      this.#entries.push({
        p,
        u,
        seq: entry.seq,
        type: entry.type,
        coins: entry.coins,
        balance_after: entry.balanceAfter,
        debt_after: entry.debtAfter,
        request_id: entry.requestId,
        lots: entry.lots.map((movement) => ({ lotId: movement.lotId, coins: movement.coins })),
        event_id: entry.eventId,
        at: entry.at,
        reason: entry.reason,
      });
    }
    for (const [k, used] of Object.entries(change.usage)) {
      this.#usage.set(`${accountKey}\u0000${k}`, { p, u, k, used });
    }
    for (const record of change.requests) {
      this.#requests.set(pairKey(p, record.requestId), {
        p,
        r: record.requestId,
        user_id: record.userId,
        fingerprint: record.fingerprint,
        kind: record.kind,
        at: record.at,
        result: record.result === undefined ? null : record.result,
        coins: record.coins,
        reversed: record.reversed,
        lot_id: record.lotId,
        parts: record.parts.map((movement) => ({ lotId: movement.lotId, coins: movement.coins })),
      });
    }
    const budget = change.budget;
    if (budget !== undefined && !isZeroDecimalString(budget.add)) {
      const key = pairKey(p, budget.eventId);
      const prior = this.#budgets.get(key);
      // The limit of the latest spend: a give-back's limit does not apply.
      const spends = compareDecimalStrings(budget.add, "0") > 0;
      this.#budgets.set(key, {
        p,
        e: budget.eventId,
        add: prior === undefined ? budget.add : addDecimalStrings(prior.add, budget.add),
        lim: spends || prior === undefined ? budget.limit : prior.lim,
      });
    }
  }

  /** Claims that no decision completed: removed before commit, so they leave no record. */
  settleClaims(programId: string | null, ids: readonly string[]): void {
    for (const id of ids) {
      if (programId === null) {
        const [p, r] = splitPairKey(id);
        this.#drops.push({ p, r });
      } else {
        this.#drops.push({ p: programId, r: id });
      }
    }
  }

  /**
   * Write everything in one statement. In a batch the budgets were reserved
   * under lock, so their additions go here too; a single command reserved its
   * budget before.
   */
  async flush(connection: Connection, sql: Statements, withBudgets: boolean): Promise<void> {
    const budgets = withBudgets ? [...this.#budgets.values()] : [];
    const lists = [
      [...this.#lots.values()],
      this.#entries,
      [...this.#usage.values()],
      [...this.#requests.values()],
      this.#drops,
      budgets,
    ] as const;
    const [lots, entries, usage, requests, drops] = lists.map((list) => list.length > 0);
    const text = sql.writeChanges({
      lots: lots === true,
      entries: entries === true,
      usage: usage === true,
      requests: requests === true,
      drops: drops === true,
      budgets: budgets.length > 0,
    });
    const values = [JSON.stringify([...this.#accounts.values()])];
    for (const list of lists) if (list.length > 0) values.push(JSON.stringify(list));
    let row: Row | undefined;
    try {
      [row] = await connection.query(text, values);
    } catch (error) {
      if (withBudgets && !isUnavailableError(error) && !isRetryableError(error)) {
        throw new BatchWriteRefused("the batch write was refused", { cause: error });
      }
      throw error;
    }
    const problems: string[] = [];
    if (Number(row?.accounts) !== this.#accounts.size) problems.push("an account row was missing");
    if (Number(row?.requests) !== this.#requests.size)
      problems.push("a request record belongs to another account");
    if (Number(row?.budgets) !== budgets.length)
      problems.push("an event budget would pass its limit");
    if (problems.length > 0) {
      const error = new Error(`coinage: the write was refused: ${problems.join("; ")}`);
      // Aborts the transaction: nothing of it is committed.
      throw withBudgets ? new BatchWriteRefused(error.message, { cause: error }) : error;
    }
  }
}

// ── reading state ─────────────────────────────────────────────────────────

interface ReadTarget {
  readonly programId: string;
  readonly userId: string;
  readonly reads: AccountReads;
}

interface AccountRow {
  readonly version: number;
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
}

interface State {
  readonly accounts: Map<string, AccountRow>;
  readonly lots: Map<string, Map<number, Lot>>;
  readonly usage: Map<string, Record<string, string>>;
  readonly requests: Map<string, Record<string, RequestRecord>>;
  readonly budgets: Map<string, string>;
  readonly records: Map<string, RequestRecord>;
}

function readStateQuery(
  sql: Statements,
  targets: readonly ReadTarget[],
  records: readonly { p: string; r: string }[],
): { text: string; values: string[] } {
  const accounts = new Map<string, { p: string; u: string }>();
  const lots: { p: string; u: string; id: number }[] = [];
  const usage: { p: string; u: string; k: string }[] = [];
  const requests: { p: string; u: string; r: string }[] = [];
  const budgets = new Map<string, { p: string; e: string }>();
  for (const { programId: p, userId: u, reads } of targets) {
    accounts.set(pairKey(p, u), { p, u });
    for (const id of reads.lotIds) lots.push({ p, u, id });
    for (const k of reads.usageKeys) usage.push({ p, u, k });
    for (const r of reads.requestIds) requests.push({ p, u, r });
    if (reads.budgetEventId !== undefined)
      budgets.set(pairKey(p, reads.budgetEventId), { p, e: reads.budgetEventId });
  }
  const parts = {
    lotIds: lots.length > 0,
    usage: usage.length > 0,
    requests: requests.length > 0,
    budgets: budgets.size > 0,
    records: records.length > 0,
  };
  const values = [JSON.stringify([...accounts.values()])];
  if (parts.lotIds) values.push(JSON.stringify(lots));
  if (parts.usage) values.push(JSON.stringify(usage));
  if (parts.requests) values.push(JSON.stringify(requests));
  if (parts.budgets) values.push(JSON.stringify([...budgets.values()]));
  if (parts.records) values.push(JSON.stringify(records.map(({ p, r }) => ({ p, r }))));
  return { text: sql.readState(parts), values };
}

/** A JSON column that arrives parsed (pg, PGlite) or as text (other clients). */
function jsonColumn(value: unknown): unknown[] {
  if (typeof value === "string") return JSON.parse(value) as unknown[];
  return (value ?? []) as unknown[];
}

type Tuple = readonly unknown[];

function parseState(rows: readonly Row[]): State {
  const state: State = {
    accounts: new Map(),
    lots: new Map(),
    usage: new Map(),
    requests: new Map(),
    budgets: new Map(),
    records: new Map(),
  };
  const row = rows[0] ?? {};
  for (const a of jsonColumn(row.accounts) as Tuple[]) {
    state.accounts.set(pairKey(String(a[0]), String(a[1])), {
      version: Number(a[2]),
      debt: String(a[3]),
      nextLotId: Number(a[4]),
      nextEntrySeq: Number(a[5]),
    });
  }
  for (const l of [
    ...(jsonColumn(row.lots) as Tuple[]),
    ...(jsonColumn(row.lots_by_id) as Tuple[]),
  ]) {
    const key = pairKey(String(l[0]), String(l[1]));
    const lot = toLot(l[2] as Tuple);
    entryOf(state.lots, key, () => new Map<number, Lot>()).set(lot.id, lot);
  }
  for (const g of jsonColumn(row.usage) as Tuple[]) {
    const key = pairKey(String(g[0]), String(g[1]));
    entryOf(state.usage, key, (): Record<string, string> => Object.create(null))[String(g[2])] =
      String(g[3]);
  }
  for (const q of jsonColumn(row.requests) as Tuple[]) {
    const record = toRequest(q[1] as Tuple);
    const key = pairKey(String(q[0]), record.userId);
    // Keyed by request ids: no prototype, so `__proto__` or `constructor` is an ordinary key.
    entryOf(state.requests, key, (): Record<string, RequestRecord> => Object.create(null))[
      record.requestId
    ] = record;
  }
  for (const b of jsonColumn(row.budgets) as Tuple[]) {
    state.budgets.set(pairKey(String(b[0]), String(b[1])), String(b[2]));
  }
  for (const q of jsonColumn(row.records) as Tuple[]) {
    const record = toRequest(q[1] as Tuple);
    state.records.set(pairKey(String(q[0]), record.requestId), record);
  }
  return state;
}

/** Everything read for one account (the union of what its commands asked for). */
function baseSnapshot(state: State, programId: string, userId: string): AccountSnapshot {
  const key = pairKey(programId, userId);
  const account = state.accounts.get(key);
  const empty = emptySnapshot(userId);
  return {
    ...empty,
    ...(account === undefined ? {} : account),
    lots: [...(state.lots.get(key)?.values() ?? [])].sort((a, b) => a.id - b.id),
    usage: state.usage.get(key) ?? Object.create(null),
    requests: state.requests.get(key) ?? Object.create(null),
  };
}

function budgetOf(state: State, programId: string, reads: AccountReads): string | undefined {
  if (reads.budgetEventId === undefined) return undefined;
  return state.budgets.get(pairKey(programId, reads.budgetEventId)) ?? "0";
}

// ── row conversion ────────────────────────────────────────────────────────

function toEvent(row: Row): CoinEvent {
  return { ...(row.body as CoinEvent), version: Number(row.version) };
}

function toLot(t: Tuple): Lot {
  return {
    id: Number(t[0]),
    coins: String(t[1]),
    remaining: String(t[2]),
    earnedAt: Number(t[3]),
    availableAt: Number(t[4]),
    expiresAt: t[5] === null ? null : Number(t[5]),
    eventId: t[6] === null ? null : String(t[6]),
    requestId: t[7] === null ? null : String(t[7]),
    expired: String(t[8] ?? "0"),
    shortfall: String(t[9] ?? "0"),
  };
}

function toRequest(t: Tuple): RequestRecord {
  return {
    requestId: String(t[0]),
    kind: t[1] as RequestRecord["kind"],
    userId: String(t[2]),
    fingerprint: String(t[3]),
    at: Number(t[4]),
    result: t[5],
    coins: String(t[6]),
    reversed: String(t[7]),
    lotId: t[8] === null ? null : Number(t[8]),
    parts: t[9] as RequestRecord["parts"],
  };
}

function toEntry(t: Tuple): Entry {
  return {
    seq: Number(t[0]),
    type: t[1] as Entry["type"],
    coins: String(t[2]),
    balanceAfter: String(t[3]),
    debtAfter: String(t[4]),
    requestId: t[5] === null ? null : String(t[5]),
    lots: t[6] as Entry["lots"],
    eventId: t[7] === null ? null : String(t[7]),
    at: Number(t[8]),
    reason: t[9] === null ? null : String(t[9]),
  };
}

// ── helpers ───────────────────────────────────────────────────────────────

/** A map key for two ids; NUL cannot occur in Postgres text, so it cannot collide. */
function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const found = map.get(key);
  if (found !== undefined) return found;
  const made = make();
  map.set(key, made);
  return made;
}

function splitPairKey(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
