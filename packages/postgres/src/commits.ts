/**
 * How a command commits. First without a lock (`commitOne`, not `locked`):
 *
 * 1. read what the command needs of the account in one statement (one
 *    snapshot), with the record of its request id when one is committed;
 * 2. let core decide;
 * 3. write everything in one statement that commits it only if the account
 *    row still holds the version read (lots, entries, counters, the request
 *    record and the account with its new totals), or writes nothing.
 *
 * When the account moved in between, or the change spends an event budget,
 * the command runs again in a transaction (or a savepoint of the caller's)
 * that locks the account row in its first statement (`locked`): read, decide,
 * reserve the budget, write. The request record is inserted, never upserted:
 * one committed meanwhile with the same id refuses the write (unique
 * violation), and the command answers as a replay of it.
 *
 * A batch locks all its accounts in sorted order first, then reads every
 * account in one statement and writes everything in one.
 */
import {
  type AccountCommand,
  type AccountReads,
  type AccountSnapshot,
  addDecimalStrings,
  applyChange,
  type BatchOutcome,
  budgetAfter,
  compareDecimalStrings,
  type ExecuteOutcome,
  isZeroDecimalString,
  type RequestRecord,
  snapshotFor,
  tallyOf,
} from "@coinage/core";
import { RetryTransaction } from "./failures.js";
import { type ManyShape, type ReadStatements, readShape, readValues } from "./reads.js";
import { arrayLiteral, toRequest } from "./rows.js";
import type { Session, Statement } from "./session.js";
import {
  type AccountRow,
  completeSpend,
  emptyFound,
  type Found,
  parseOne,
  type SpendQueries,
  snapshotOf,
} from "./snapshot.js";
import type { Fixed } from "./statements.js";
import { pairKey, WriteSet, type WriteShape } from "./writes.js";

/** How often one command re-decides because the event budget moved under it. */
const MAX_BUDGET_ROUNDS = 16;

/** The statements of one schema. */
export interface Sql {
  readonly fixed: Fixed;
  readonly reads: ReadStatements;
  readonly write: (shape: WriteShape) => Statement;
}

// ── one command ───────────────────────────────────────────────────────────

/** What `commitOne` answers besides an outcome: run it again under the account lock. */
export type Unsettled = { readonly status: "moved" } | { readonly status: "needs lock" };

export async function commitOne<T>(
  session: Session,
  sql: Sql,
  command: AccountCommand<T>,
  locked: boolean,
): Promise<ExecuteOutcome<T> | Unsettled> {
  const { programId, userId, request, reads } = command;
  const read = parseOne(
    await session.query(
      sql.reads.one(readShape(locked ? "lock" : "load", reads, request !== undefined)),
      readValues(programId, userId, reads, request?.requestId),
    ),
  );
  if (read.replay !== undefined) return { status: "replayed", record: read.replay };
  let account = read.account;
  let found = read.found;
  if (locked && (account === undefined || !read.current)) {
    if (account === undefined) {
      // Another transaction created the row after this statement's snapshot
      // was taken; it has committed by now, so the row can be locked.
      const rows = await session.query(sql.fixed.lockAccount, [programId, userId]);
      if (rows.length !== 1) throw new RetryTransaction("the account row could not be locked");
    }
    // The lock is held: this read sees every commit on the account, and the
    // record of the request id if the commit it waited for booked it.
    const again = parseOne(
      await session.query(
        sql.reads.one(readShape("load", reads, request !== undefined)),
        readValues(programId, userId, reads, request?.requestId),
      ),
    );
    if (again.replay !== undefined) return { status: "replayed", record: again.replay };
    account = again.account;
    found = again.found;
  }
  await completeSpend(found, programId, userId, reads, spendQueries(session, sql));
  let snapshot = snapshotOf(userId, account, found, reads);
  const base = { version: snapshot.version, nextLotId: snapshot.nextLotId };

  for (let round = 1; ; round++) {
    const { change, result } = command.decide(snapshot);
    const budget = change.budget;
    if (budget !== undefined && !isZeroDecimalString(budget.add)) {
      // A budget is shared by every account: it is reserved under the account's lock.
      if (!locked) return { status: "needs lock" };
      const reserved = await session.query(sql.fixed.reserveBudget, [
        programId,
        budget.eventId,
        budget.add,
        budget.limit,
      ]);
      if (reserved.length === 0) {
        // The budget moved since it was read; its row is locked now, so this read is exact.
        if (round >= MAX_BUDGET_ROUNDS)
          throw new Error("the event budget kept refusing the decided coins");
        const [used] = await session.query(sql.fixed.budgetUsed, [programId, budget.eventId]);
        snapshot = { ...snapshot, budgetUsed: used === undefined ? "0" : String(used.used) };
        continue;
      }
    }
    const writes = new WriteSet();
    writes.add(programId, userId, base, change, request?.requestId, tallyOf(snapshot, change));
    if ((await writes.flush(session, sql.write, false)) === "moved") {
      if (locked) throw new RetryTransaction("the account moved under its lock");
      return { status: "moved" };
    }
    return { status: "committed", result };
  }
}

/** A write refused because a record with the same request id was committed first. */
export function isDuplicateRequest(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return (
    e?.code === "23505" && (e.constraint === undefined || e.constraint === "coinage_requests_pkey")
  );
}

export async function findRequest(
  session: Session,
  sql: Sql,
  programId: string,
  requestId: string,
): Promise<RequestRecord | undefined> {
  const [row] = await session.query(sql.fixed.findRequest, [programId, requestId]);
  return row === undefined ? undefined : toRequest(row);
}

/**
 * A consistent snapshot outside any command. One statement is one snapshot;
 * when the spend lots need more pages, the account is read again under its
 * lock (`locked`), so every page sees the same state.
 */
export async function loadOne(
  session: Session,
  sql: Sql,
  programId: string,
  userId: string,
  reads: AccountReads,
  locked: boolean,
): Promise<AccountSnapshot | "needs lock"> {
  if (locked) await session.query(sql.fixed.lockAccount, [programId, userId]);
  const read = parseOne(
    await session.query(
      sql.reads.one(readShape("load", reads, false)),
      readValues(programId, userId, reads),
    ),
  );
  let more = false;
  const queries = spendQueries(session, sql);
  await completeSpend(read.found, programId, userId, reads, {
    async page(values) {
      more = true;
      return locked ? queries.page(values) : [];
    },
    async groupRest(values) {
      more = true;
      return locked ? queries.groupRest(values) : [];
    },
  });
  if (more && !locked) return "needs lock";
  return snapshotOf(userId, read.account, read.found, reads);
}

// ── a batch ───────────────────────────────────────────────────────────────

interface Target {
  readonly programId: string;
  readonly userId: string;
  at: number;
  spend: string | undefined;
  readonly lotIds: Set<number>;
  readonly usageKeys: Set<string>;
  readonly requestIds: Set<string>;
}

export async function commitMany<T>(
  session: Session,
  sql: Sql,
  commands: readonly AccountCommand<T>[],
): Promise<BatchOutcome<T>[]> {
  // 1. Create and lock every account, in a fixed order.
  const targets = new Map<string, Target>();
  const requestIds = new Map<string, readonly [string, string]>();
  for (const command of commands) {
    const key = pairKey(command.programId, command.userId);
    let target = targets.get(key);
    if (target === undefined) {
      target = {
        programId: command.programId,
        userId: command.userId,
        at: command.reads.at,
        spend: undefined,
        lotIds: new Set(),
        usageKeys: new Set(),
        requestIds: new Set(),
      };
      targets.set(key, target);
    }
    widen(target, command.reads);
    if (command.request !== undefined) {
      const id = command.request.requestId;
      requestIds.set(pairKey(command.programId, id), [command.programId, id]);
    }
  }
  const owners = columnsOf(
    [...targets.values()].map((t) => [t.programId, t.userId]),
    2,
  );
  await session.query(sql.fixed.createAccounts, owners);
  const locked = await session.query(sql.fixed.lockAccounts, owners);
  if (locked.length !== targets.size)
    throw new RetryTransaction("not every account row could be locked");

  // 2. Read every account, and the committed records of the batch's request ids.
  const state = await readMany(session, sql, targets, [...requestIds.values()]);

  // 3. Lock the budgets the batch may draw on, in a fixed order, and read them exactly.
  const budgetKeys = new Map<string, [string, string]>();
  for (const command of commands) {
    const eventId = command.reads.budgetEventId;
    if (eventId !== undefined)
      budgetKeys.set(pairKey(command.programId, eventId), [command.programId, eventId]);
  }
  const budgetUsed = new Map<string, string>();
  if (budgetKeys.size > 0) {
    const keys = columnsOf([...budgetKeys.values()], 2);
    await session.query(sql.fixed.createBudgets, keys);
    for (const row of await session.query(sql.fixed.lockBudgets, keys)) {
      budgetUsed.set(pairKey(String(row.p), String(row.e)), String(row.used));
    }
  }

  // 4. Decide every command in order, each on its account's state after the earlier ones.
  const snapshots = new Map<string, AccountSnapshot>();
  const records = state.records; // committed or decided records, by (program, request id)
  const writes = new WriteSet();
  const outcomes: BatchOutcome<T>[] = [];

  for (const command of commands) {
    const accountKey = pairKey(command.programId, command.userId);
    if (command.request !== undefined) {
      const existing = records.get(pairKey(command.programId, command.request.requestId));
      if (existing !== undefined) {
        outcomes.push({ status: "replayed", record: existing });
        continue;
      }
    }
    const read = state.accounts.get(accountKey);
    const target = targets.get(accountKey) as Target;
    const current =
      snapshots.get(accountKey) ??
      snapshotOf(command.userId, read?.account, read?.found ?? emptyFound(), {
        at: target.at,
        usageKeys: [],
        requestIds: [],
        lotIds: [],
      });
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
    writes.add(
      command.programId,
      command.userId,
      read?.account ?? { version: 0, nextLotId: 1 },
      change,
      command.request?.requestId,
      tallyOf(current, change),
    );
    for (const record of change.requests) {
      records.set(pairKey(command.programId, record.requestId), record);
    }
    outcomes.push({ status: "committed", result });
  }

  // 5. Write everything at once.
  await writes.flush(session, sql.write, true);
  return outcomes;
}

/** Let one read of the account serve every command of the batch on it. */
function widen(target: Target, reads: AccountReads): void {
  // Reading at the latest instant covers the earlier ones: lots that change
  // between them are due (or activated) at the latest.
  if (reads.at > target.at) target.at = reads.at;
  // Earlier commands may spend the first lots: cover all the batch's spends.
  if (reads.spend !== undefined)
    target.spend =
      target.spend === undefined ? reads.spend : addDecimalStrings(target.spend, reads.spend);
  for (const id of reads.lotIds) target.lotIds.add(id);
  for (const key of reads.usageKeys) target.usageKeys.add(key);
  for (const id of reads.requestIds) target.requestIds.add(id);
}

interface ManyRead {
  readonly accounts: Map<string, { account: AccountRow; found: Found }>;
  readonly records: Map<string, RequestRecord>;
}

async function readMany(
  session: Session,
  sql: Sql,
  targets: Map<string, Target>,
  records: readonly (readonly [string, string])[],
): Promise<ManyRead> {
  const list = [...targets.values()];
  const lotIds: [string, string, number][] = [];
  const usage: [string, string, string][] = [];
  const requests: [string, string, string][] = [];
  for (const t of list) {
    for (const id of t.lotIds) lotIds.push([t.programId, t.userId, id]);
    for (const key of t.usageKeys) usage.push([t.programId, t.userId, key]);
    for (const id of t.requestIds) requests.push([t.programId, t.userId, id]);
  }
  const shape: ManyShape = {
    spend: list.some((t) => t.spend !== undefined),
    lotIds: lotIds.length > 0,
    usage: usage.length > 0,
    requests: requests.length > 0,
    records: records.length > 0,
  };
  const values = columnsOf(
    list.map((t) => [t.programId, t.userId, t.at, t.spend ?? null]),
    4,
  );
  if (shape.lotIds) values.push(...columnsOf(lotIds, 3));
  if (shape.usage) values.push(...columnsOf(usage, 3));
  if (shape.requests) values.push(...columnsOf(requests, 3));
  if (shape.records) values.push(...columnsOf(records, 2));
  const rows = await session.query(sql.reads.many(shape), values);
  const out: ManyRead = { accounts: new Map(), records: new Map() };
  const byAccount = new Map<string, typeof rows>();
  for (const row of rows) {
    if (row.k === "r") {
      const record = toRequest(row);
      out.records.set(pairKey(String(row.p), record.requestId), record);
      continue;
    }
    const key = pairKey(String(row.p), String(row.u));
    let group = byAccount.get(key);
    if (group === undefined) {
      group = [];
      byAccount.set(key, group);
    }
    group.push(row);
  }
  for (const [key, group] of byAccount) {
    const read = parseOne(group);
    const target = targets.get(key);
    if (read.account === undefined || target === undefined) continue;
    await completeSpend(
      read.found,
      target.programId,
      target.userId,
      {
        at: target.at,
        usageKeys: [],
        requestIds: [],
        lotIds: [],
        ...(target.spend === undefined ? {} : { spend: target.spend }),
      },
      spendQueries(session, sql),
    );
    out.accounts.set(key, { account: read.account, found: read.found });
  }
  return out;
}

function spendQueries(session: Session, sql: Sql): SpendQueries {
  return {
    page: (values) => session.query(sql.reads.spendPage, values),
    groupRest: (values) => session.query(sql.reads.groupRest, values),
  };
}

/** Rows of `width` values as one array literal per column. */
function columnsOf(
  rows: readonly (readonly (string | number | null)[])[],
  width: number,
): string[] {
  const out: string[] = [];
  for (let c = 0; c < width; c++) out.push(arrayLiteral(rows.map((row) => row[c] ?? null)));
  return out;
}
