/**
 * Committing decided changes: every row one transaction writes, collected
 * across its commands (`WriteSet`), then written in one statement: the
 * account rows with their totals (checked against the version read), new
 * and changed lots, entries, usage counters, request records, claims left
 * over, and (for batches) budget additions. Lists travel as array literals
 * unpacked by `unnest`; a single account's own ids travel as plain `$1`, `$2`.
 */
import {
  type AccountChange,
  addDecimalStrings,
  compareDecimalStrings,
  isZeroDecimalString,
  type Lot,
} from "@coinage/core";
import type { Row } from "./client.js";
import {
  BatchWriteRefused,
  isRetryableError,
  isUnavailableError,
  RetryTransaction,
} from "./failures.js";
import { arrayLiteral, movementsJson } from "./rows.js";
import type { Session, Statement } from "./session.js";
import { statement } from "./session.js";
import { type Tables, unnest } from "./statements.js";

type Scalar = string | number | null;
type Columns = readonly (readonly [name: string, type: string])[];

const ACCOUNT: Columns = [
  ["expected", "bigint"],
  ["version", "bigint"],
  ["debt", "numeric"],
  ["next_lot_id", "bigint"],
  ["next_entry_seq", "bigint"],
  ["open_coins", "numeric"],
  ["pending_coins", "numeric"],
  ["totals_as_of", "bigint"],
  ["next_change_at", "bigint"],
];
const NEW_LOT: Columns = [
  ["id", "bigint"],
  ["coins", "numeric"],
  ["remaining", "numeric"],
  ["earned_at", "bigint"],
  ["available_at", "bigint"],
  ["expires_at", "bigint"],
  ["event_id", "text"],
  ["request_id", "text"],
  ["expired", "numeric"],
  ["shortfall", "numeric"],
];
const CHANGED_LOT: Columns = [
  ["id", "bigint"],
  ["remaining", "numeric"],
  ["expired", "numeric"],
  ["shortfall", "numeric"],
];
const ENTRY: Columns = [
  ["seq", "bigint"],
  ["type", "text"],
  ["coins", "numeric"],
  ["balance_after", "numeric"],
  ["debt_after", "numeric"],
  ["request_id", "text"],
  ["lots", "text"],
  ["event_id", "text"],
  ["at", "bigint"],
  ["reason", "text"],
];
const USAGE: Columns = [
  ["key", "text"],
  ["used", "numeric"],
];
const REQUEST: Columns = [
  ["request_id", "text"],
  ["user_id", "text"],
  ["fingerprint", "text"],
  ["kind", "text"],
  ["at", "bigint"],
  ["result", "text"],
  ["coins", "numeric"],
  ["reversed", "numeric"],
  ["lot_id", "bigint"],
  ["parts", "text"],
];
const BUDGET: Columns = [
  ["p", "text"],
  ["e", "text"],
  ["add", "numeric"],
  ["lim", "numeric"],
];
const OWNER: Columns = [
  ["p", "text"],
  ["u", "text"],
];
const PROGRAM: Columns = [["p", "text"]];

/** Which parts a write has; `many`: rows of several accounts (a batch). */
export interface WriteShape {
  readonly many: boolean;
  /** One account never written: its row is inserted (or a row still at version 0 taken over). */
  readonly fresh: boolean;
  readonly newLots: boolean;
  readonly changedLots: boolean;
  readonly entries: boolean;
  readonly usage: boolean;
  /** The commands' own request records (inserted: a committed one with the same id refuses it). */
  readonly records: boolean;
  /** Earlier records of the same accounts, replaced (a reversal's progress). */
  readonly updates: boolean;
  readonly budgets: boolean;
}

export function writeStatements(t: Tables): (shape: WriteShape) => Statement {
  const cache = new Map<string, Statement>();
  return (shape) => {
    const key = Object.values(shape)
      .map((on) => (on ? "1" : "0"))
      .join("");
    let found = cache.get(key);
    if (found === undefined) {
      found = statement(writeSql(t, shape));
      cache.set(key, found);
    }
    return found;
  };
}

/**
 * One account: parameters $1 program, $2 user, $3 the version read, $4..$11
 * the account's new values, then the parts' arrays. Everything is written
 * only when the account row still holds the version read (`acc`): a command
 * that read without a lock either commits whole, in this one statement, or
 * writes nothing and reads again. A batch (`many`) holds its accounts'
 * locks: the check is a backstop there.
 */
function writeSql(t: Tables, shape: WriteShape): string {
  let n = 0;
  /** The next parameters, unnested as `x`; one owner column set per row in a batch. */
  const rows = (owner: Columns, cols: Columns) => {
    const all = shape.many ? [...owner, ...cols] : cols;
    const sql = unnest(n + 1, "x", all);
    n += all.length;
    return sql;
  };
  const ctes: string[] = [];
  const counts: string[] = [];
  let p = "x.p";
  let u = "x.u";
  let when = "";
  let and = "";
  if (shape.many) {
    ctes.push(`acc AS (
      UPDATE ${t.accounts} a SET version = x.version, debt = x.debt, next_lot_id = x.next_lot_id,
        next_entry_seq = x.next_entry_seq, open_coins = x.open_coins, pending_coins = x.pending_coins,
        totals_as_of = x.totals_as_of, next_change_at = x.next_change_at
      FROM ${rows(OWNER, ACCOUNT)}
      WHERE a.program_id = x.p AND a.user_id = x.u AND a.version = x.expected
      RETURNING 1
    )`);
  } else {
    p = "$1";
    u = "$2";
    n = 2 + ACCOUNT.length;
    when = " WHERE EXISTS (SELECT 1 FROM acc)";
    and = " AND EXISTS (SELECT 1 FROM acc)";
    const set = `version = $4, debt = $5, next_lot_id = $6, next_entry_seq = $7,
        open_coins = $8, pending_coins = $9, totals_as_of = $10, next_change_at = $11`;
    ctes.push(
      shape.fresh
        ? `acc AS (
      INSERT INTO ${t.accounts} AS a (program_id, user_id, version, debt, next_lot_id, next_entry_seq,
        open_coins, pending_coins, totals_as_of, next_change_at)
      VALUES ($1, $2, $4, $5, $6, $7, $8, $9, $10, $11)
      ON CONFLICT (program_id, user_id) DO UPDATE SET ${set}
      WHERE a.version = $3
      RETURNING 1
    )`
        : `acc AS (
      UPDATE ${t.accounts} SET ${set}
      WHERE program_id = $1 AND user_id = $2 AND version = $3
      RETURNING 1
    )`,
    );
  }
  counts.push("(SELECT count(*) FROM acc)::text AS accounts");
  const part = (on: boolean, name: string, sql: () => string) => {
    if (!on) return;
    ctes.push(`${name} AS (${sql()})`);
    counts.push(`(SELECT count(*) FROM ${name})::text AS ${name}`);
  };
  part(
    shape.newLots,
    "new_lots",
    () => `INSERT INTO ${t.lots} (program_id, user_id, id, coins, remaining, earned_at,
        available_at, expires_at, event_id, request_id, expired, shortfall)
      SELECT ${p}, ${u}, x.id, x.coins, x.remaining, x.earned_at, x.available_at, x.expires_at,
        x.event_id, x.request_id, x.expired, x.shortfall
      FROM ${rows(OWNER, NEW_LOT)}${when}
      RETURNING 1`,
  );
  part(
    shape.changedLots,
    "changed_lots",
    () => `UPDATE ${t.lots} l SET remaining = x.remaining, expired = x.expired, shortfall = x.shortfall
      FROM ${rows(OWNER, CHANGED_LOT)}
      WHERE l.program_id = ${p} AND l.user_id = ${u} AND l.id = x.id${and}
      RETURNING 1`,
  );
  part(
    shape.entries,
    "entries",
    () => `INSERT INTO ${t.entries} (program_id, user_id, seq, type, coins, balance_after,
        debt_after, request_id, lots, event_id, at, reason)
      SELECT ${p}, ${u}, x.seq, x.type, x.coins, x.balance_after, x.debt_after, x.request_id,
        x.lots::jsonb, x.event_id, x.at, x.reason
      FROM ${rows(OWNER, ENTRY)}${when}
      RETURNING 1`,
  );
  part(
    shape.usage,
    "usage",
    () => `INSERT INTO ${t.usage} (program_id, user_id, key, used)
      SELECT ${p}, ${u}, x.key, x.used FROM ${rows(OWNER, USAGE)}${when}
      ON CONFLICT (program_id, user_id, key) DO UPDATE SET used = excluded.used
      RETURNING 1`,
  );
  // The idempotency records: a plain insert, so that one committed meanwhile
  // with the same id refuses the whole statement (unique violation): the
  // command is then answered as a replay. In id order, so that two batches
  // never wait on each other in a cycle.
  part(
    shape.records,
    "records",
    () => `INSERT INTO ${t.requests} (program_id, request_id, user_id, fingerprint, kind, at,
        result, coins, reversed, lot_id, parts)
      SELECT ${p}, x.request_id, x.user_id, x.fingerprint, x.kind, x.at, x.result::jsonb, x.coins,
        x.reversed, x.lot_id, x.parts::jsonb
      FROM ${rows(PROGRAM, REQUEST)}${when}
      ORDER BY 1, 2
      RETURNING 1`,
  );
  // Earlier records, of the same account only.
  part(
    shape.updates,
    "updates",
    () => `UPDATE ${t.requests} q SET fingerprint = x.fingerprint, kind = x.kind, at = x.at,
        result = x.result::jsonb, coins = x.coins, reversed = x.reversed, lot_id = x.lot_id,
        parts = x.parts::jsonb
      FROM ${rows(PROGRAM, REQUEST)}
      WHERE q.program_id = ${p} AND q.request_id = x.request_id AND q.user_id = x.user_id${and}
      RETURNING 1`,
  );
  part(shape.budgets && shape.many, "budgets", () => {
    const from = unnest(n + 1, "x", BUDGET);
    n += BUDGET.length;
    return `UPDATE ${t.budgets} b SET used = greatest(b.used + x.add, 0)
      FROM ${from}
      WHERE b.program_id = x.p AND b.event_id = x.e AND (x.add <= 0 OR b.used + x.add <= x.lim)
      RETURNING 1`;
  });
  return `WITH ${ctes.join(",\n    ")}\nSELECT ${counts.join(", ")}`;
}

/** What the base of an account was when it was read: the version and lot ids its row held. */
export interface Base {
  readonly version: number;
  readonly nextLotId: number;
}

interface AccountWrite {
  readonly p: string;
  readonly u: string;
  readonly expected: number;
  version: number;
  change: AccountChange;
}

/** The rows one transaction writes, collected across its commands. */
export class WriteSet {
  readonly #accounts = new Map<string, AccountWrite>();
  readonly #newLots = new Map<string, { p: string; u: string; lot: Lot }>();
  readonly #changedLots = new Map<string, { p: string; u: string; lot: Lot }>();
  readonly #entries: Scalar[][] = [];
  readonly #usage = new Map<string, Scalar[]>();
  /** The commands' own records (new). */
  readonly #records = new Map<string, Scalar[]>();
  /** Earlier records replaced (reversal progress). */
  readonly #updates = new Map<string, Scalar[]>();
  readonly #budgets = new Map<string, { p: string; e: string; add: string; lim: string }>();

  /**
   * Record `change` for the account `(programId, userId)`, whose row was read
   * at `base`, decided by the command with request id `own` (its record is new).
   */
  add(
    programId: string,
    userId: string,
    base: Base,
    change: AccountChange,
    own: string | undefined,
  ): void {
    const accountKey = pairKey(programId, userId);
    const prior = this.#accounts.get(accountKey);
    if (prior === undefined) {
      this.#accounts.set(accountKey, {
        p: programId,
        u: userId,
        expected: base.version,
        version: base.version + 1,
        change,
      });
    } else {
      prior.version += 1;
      prior.change = change;
    }
    for (const lot of change.lots) {
      const key = `${accountKey}\u0000${lot.id}`;
      const row = { p: programId, u: userId, lot };
      if (lot.id >= base.nextLotId) this.#newLots.set(key, row);
      else this.#changedLots.set(key, row);
    }
    for (const entry of change.entries) {
      this.#entries.push([
        programId,
        userId,
        entry.seq,
        entry.type,
        entry.coins,
        entry.balanceAfter,
        entry.debtAfter,
        entry.requestId,
        movementsJson(entry.lots),
        entry.eventId,
        entry.at,
        entry.reason,
      ]);
    }
    for (const [key, used] of Object.entries(change.usage)) {
      this.#usage.set(`${accountKey}\u0000${key}`, [programId, userId, key, used]);
    }
    for (const record of change.requests) {
      const key = pairKey(programId, record.requestId);
      const isNew = record.requestId === own || this.#records.has(key);
      (isNew ? this.#records : this.#updates).set(key, [
        programId,
        record.requestId,
        record.userId,
        record.fingerprint,
        record.kind,
        record.at,
        JSON.stringify(record.result === undefined ? null : record.result),
        record.coins,
        record.reversed,
        record.lotId,
        movementsJson(record.parts),
      ]);
    }
    const budget = change.budget;
    if (budget !== undefined && !isZeroDecimalString(budget.add)) {
      const key = pairKey(programId, budget.eventId);
      const before = this.#budgets.get(key);
      // The limit of the latest spend: a give-back's limit does not apply.
      const spends = compareDecimalStrings(budget.add, "0") > 0;
      this.#budgets.set(key, {
        p: programId,
        e: budget.eventId,
        add: before === undefined ? budget.add : addDecimalStrings(before.add, budget.add),
        lim: spends || before === undefined ? budget.limit : before.lim,
      });
    }
  }

  /**
   * Write everything in one statement. A batch's budget additions go here
   * too (reserved under lock); a single command reserved its budget before.
   */
  async flush(
    session: Session,
    statementFor: (shape: WriteShape) => Statement,
    batch: boolean,
  ): Promise<"written" | "moved"> {
    const accounts = [...this.#accounts.values()];
    if (accounts.length === 0) return "written";
    const many = batch;
    const shape: WriteShape = {
      many,
      fresh: !many && accounts[0]?.expected === 0,
      newLots: this.#newLots.size > 0,
      changedLots: this.#changedLots.size > 0,
      entries: this.#entries.length > 0,
      usage: this.#usage.size > 0,
      records: this.#records.size > 0,
      updates: this.#updates.size > 0,
      budgets: many && this.#budgets.size > 0,
    };
    const values: unknown[] = [];
    // Per row, the owner columns first (p, u or p); a single account's rows drop them.
    const push = (rows: readonly Scalar[][], ownerWidth: number) => {
      const width = (rows[0]?.length ?? 0) - (many ? 0 : ownerWidth);
      const skip = many ? 0 : ownerWidth;
      for (let c = 0; c < width; c++)
        values.push(arrayLiteral(rows.map((row) => row[c + skip] ?? null)));
    };
    const accountRows = accounts.map((a) => {
      const c = a.change;
      return [
        a.p,
        a.u,
        a.expected,
        a.version,
        c.debt,
        c.nextLotId,
        c.nextEntrySeq,
        c.totals.open,
        c.totals.pending,
        c.totals.asOf,
        c.totals.nextChangeAt,
      ];
    });
    if (many) push(accountRows, 0);
    else values.push(...(accountRows[0] as Scalar[]));
    if (shape.newLots) push([...this.#newLots.values()].map(newLotRow), 2);
    if (shape.changedLots) push([...this.#changedLots.values()].map(changedLotRow), 2);
    if (shape.entries) push(this.#entries, 2);
    if (shape.usage) push([...this.#usage.values()], 2);
    if (shape.records) push([...this.#records.values()], 1);
    if (shape.updates) push([...this.#updates.values()], 1);
    if (shape.budgets) {
      push(
        [...this.#budgets.values()].map((b) => [b.p, b.e, b.add, b.lim]),
        0,
      );
    }
    let row: Row | undefined;
    try {
      [row] = await session.query(statementFor(shape), values);
    } catch (error) {
      if (many && !isUnavailableError(error) && !isRetryableError(error)) {
        throw new BatchWriteRefused("the batch write was refused", { cause: error });
      }
      throw error;
    }
    if (Number(row?.accounts) !== accounts.length) {
      // One account read without a lock moved since: nothing was written.
      if (!many) return "moved";
      throw new RetryTransaction("an account changed under its lock");
    }
    const problems: string[] = [];
    if (shape.changedLots && Number(row?.changed_lots) !== this.#changedLots.size)
      problems.push("a changed lot does not exist");
    if (shape.updates && Number(row?.updates) !== this.#updates.size)
      problems.push("a request record belongs to another account");
    if (shape.budgets && Number(row?.budgets) !== this.#budgets.size)
      problems.push("an event budget would pass its limit");
    if (problems.length > 0) {
      const message = `coinage: the write was refused: ${problems.join("; ")}`;
      // Aborts the transaction: nothing of it is committed.
      throw many ? new BatchWriteRefused(message) : new Error(message);
    }
    return "written";
  }
}

function newLotRow({ p, u, lot }: { p: string; u: string; lot: Lot }): Scalar[] {
  return [
    p,
    u,
    lot.id,
    lot.coins,
    lot.remaining,
    lot.earnedAt,
    lot.availableAt,
    lot.expiresAt,
    lot.eventId,
    lot.requestId,
    lot.expired ?? "0",
    lot.shortfall ?? "0",
  ];
}

function changedLotRow({ p, u, lot }: { p: string; u: string; lot: Lot }): Scalar[] {
  return [p, u, lot.id, lot.remaining, lot.expired ?? "0", lot.shortfall ?? "0"];
}

/** A map key for two ids; NUL cannot occur in Postgres text, so it cannot collide. */
export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
