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
  addTallies,
  compareDecimalStrings,
  isZeroDecimalString,
  isZeroTally,
  type Lot,
  type ProgramTally,
  TALLY_FIELDS,
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
/** One program's tally of a transaction: what its commits added to the program's totals. */
const TALLY: Columns = [
  ["earned", "numeric"],
  ["redeemed", "numeric"],
  ["expired", "numeric"],
  ["reversed", "numeric"],
  ["restored", "numeric"],
  ["adjusted", "numeric"],
  ["open_coins", "numeric"],
  ["debt", "numeric"],
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
  /** New and changed lots (an upsert: one primary-key probe per lot, whatever the plan). */
  readonly lots: boolean;
  readonly entries: boolean;
  readonly usage: boolean;
  /** The commands' own request records (inserted: a committed one with the same id refuses it). */
  readonly records: boolean;
  /** Earlier records of the same accounts, replaced (a reversal's progress). */
  readonly updates: boolean;
  readonly budgets: boolean;
  /** The programs' tallies (liability totals), appended as delta rows. */
  readonly tallies: boolean;
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
  const unnestTally = () => {
    const sql = unnest(n + 1, "x", [...PROGRAM, ...TALLY]);
    n += PROGRAM.length + TALLY.length;
    return sql;
  };
  const ctes: string[] = [];
  const counts: string[] = [];
  let p = "x.p";
  let u = "x.u";
  let when = "";
  if (shape.many) {
    // The batch holds its accounts' locks, and the rows exist; the version is a backstop.
    ctes.push(`acc AS (
      INSERT INTO ${t.accounts} AS a (program_id, user_id, version, debt, next_lot_id,
        next_entry_seq, open_coins, pending_coins, totals_as_of, next_change_at)
      SELECT x.p, x.u, x.version, x.debt, x.next_lot_id, x.next_entry_seq, x.open_coins,
        x.pending_coins, x.totals_as_of, x.next_change_at
      FROM ${rows(OWNER, ACCOUNT)}
      ON CONFLICT (program_id, user_id) DO UPDATE SET version = excluded.version,
        debt = excluded.debt, next_lot_id = excluded.next_lot_id,
        next_entry_seq = excluded.next_entry_seq, open_coins = excluded.open_coins,
        pending_coins = excluded.pending_coins, totals_as_of = excluded.totals_as_of,
        next_change_at = excluded.next_change_at
      WHERE a.version < excluded.version
      RETURNING (a.xmax = 0) AS inserted
    )`);
  } else {
    p = "$1";
    u = "$2";
    n = 2 + ACCOUNT.length;
    when = " WHERE EXISTS (SELECT 1 FROM acc)";
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
  const inserted = (name: string) =>
    counts.push(`(SELECT count(*) FROM ${name} WHERE inserted)::text AS ${name}_inserted`);
  // Every list is joined to its table through the table's unique key by
  // INSERT … ON CONFLICT: one index probe per row under any plan (a join of
  // an unnested list with the table could, in a prepared statement's generic
  // plan, scan every row of the account or the program instead).
  part(
    shape.lots,
    "lots",
    () => `INSERT INTO ${t.lots} AS l (program_id, user_id, id, coins, remaining, earned_at,
        available_at, expires_at, event_id, request_id, expired, shortfall)
      SELECT ${p}, ${u}, x.id, x.coins, x.remaining, x.earned_at, x.available_at, x.expires_at,
        x.event_id, x.request_id, x.expired, x.shortfall
      FROM ${rows(OWNER, NEW_LOT)}${when}
      ON CONFLICT (program_id, user_id, id) DO UPDATE SET remaining = excluded.remaining,
        expired = excluded.expired, shortfall = excluded.shortfall
      RETURNING (l.xmax = 0) AS inserted`,
  );
  part(
    shape.entries,
    "entries",
    // `tx`, the entry's place in the change feed: this transaction's id, or
    // the account's last entry's when that is higher (this transaction took
    // its id before another that committed to the account first), so that
    // each account's entries keep their seq order in the feed. The last
    // entry is one probe of the primary key; every writer holds the account.
    () => `INSERT INTO ${t.entries} (program_id, user_id, seq, type, coins, balance_after,
        debt_after, request_id, lots, event_id, at, reason, tx)
      SELECT ${p}, ${u}, x.seq, x.type, x.coins, x.balance_after, x.debt_after, x.request_id,
        x.lots::jsonb, x.event_id, x.at, x.reason,
        greatest(pg_current_xact_id(), coalesce((SELECT f.tx FROM ${t.entries} f
          WHERE f.program_id = ${p} AND f.user_id = ${u} ORDER BY f.seq DESC LIMIT 1), '0'::xid8))
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
  // Earlier records, of the same account only (each must exist: none is inserted).
  part(
    shape.updates,
    "updates",
    () => `INSERT INTO ${t.requests} AS q (program_id, request_id, user_id, fingerprint, kind, at,
        result, coins, reversed, lot_id, parts)
      SELECT ${p}, x.request_id, x.user_id, x.fingerprint, x.kind, x.at, x.result::jsonb, x.coins,
        x.reversed, x.lot_id, x.parts::jsonb
      FROM ${rows(PROGRAM, REQUEST)}${when}
      ON CONFLICT (program_id, request_id) DO UPDATE SET fingerprint = excluded.fingerprint,
        kind = excluded.kind, at = excluded.at, result = excluded.result, coins = excluded.coins,
        reversed = excluded.reversed, lot_id = excluded.lot_id, parts = excluded.parts
      WHERE q.user_id = excluded.user_id
      RETURNING (q.xmax = 0) AS inserted`,
  );
  // Appended, never updated: no commit waits on another's tally (see migration 0005).
  part(
    shape.tallies,
    "tallies",
    () => `INSERT INTO ${t.tallyDeltas} (program_id, earned, redeemed, expired, reversed,
        restored, adjusted, open_coins, debt)
      SELECT x.p, x.earned, x.redeemed, x.expired, x.reversed, x.restored, x.adjusted,
        x.open_coins, x.debt
      FROM ${unnestTally()}${shape.many ? "" : when}
      RETURNING 1`,
  );
  if (shape.lots) inserted("lots");
  if (shape.updates) inserted("updates");
  part(shape.budgets && shape.many, "budgets", () => {
    const from = unnest(n + 1, "x", BUDGET);
    n += BUDGET.length;
    return `UPDATE ${t.budgets} b SET used = greatest(b.used + x.add, 0)
      FROM ${from}
      WHERE b.program_id = x.p AND b.event_id = x.e AND (x.add <= 0 OR b.used + x.add <= x.lim)
      RETURNING 1`;
  });
  if (shape.lots || shape.updates) {
    // The write refuses itself (and so writes nothing) when a lot or a record
    // is not the one the command read: a changed lot missing, a new lot's id
    // taken, a record to update missing or of another account. Parameters:
    // the lots written and the new ones among them; the records updated.
    const wrong: string[] = [];
    if (shape.lots) {
      wrong.push(
        `(SELECT count(*) FROM lots) <> $${++n}::bigint`,
        `(SELECT count(*) FROM lots WHERE inserted) <> $${++n}::bigint`,
      );
    }
    if (shape.updates) {
      wrong.push(
        `(SELECT count(*) FROM updates) <> $${++n}::bigint`,
        "(SELECT count(*) FROM updates WHERE inserted) <> 0",
      );
    }
    counts.push(`(CASE WHEN ${shape.many ? "" : "EXISTS (SELECT 1 FROM acc) AND "}(${wrong.join(" OR ")})
      THEN 'coinage: the write was refused: a lot or a request record is not the one read' END)::int
      AS refused`);
  }
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
  readonly #lots = new Map<string, { p: string; u: string; lot: Lot }>();
  /** How many of `#lots` are new (their ids were not taken when the accounts were read). */
  #newLots = 0;
  readonly #entries: Scalar[][] = [];
  readonly #usage = new Map<string, Scalar[]>();
  /** The commands' own records (new). */
  readonly #records = new Map<string, Scalar[]>();
  /** Earlier records replaced (reversal progress). */
  readonly #updates = new Map<string, Scalar[]>();
  readonly #budgets = new Map<string, { p: string; e: string; add: string; lim: string }>();
  /** Per program, what the commands add to its totals. */
  readonly #tallies = new Map<string, ProgramTally>();

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
    tally: ProgramTally,
  ): void {
    if (!isZeroTally(tally)) {
      const before = this.#tallies.get(programId);
      this.#tallies.set(programId, before === undefined ? tally : addTallies(before, tally));
    }
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
      if (lot.id >= base.nextLotId && !this.#lots.has(key)) this.#newLots++;
      this.#lots.set(key, row);
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
      lots: this.#lots.size > 0,
      entries: this.#entries.length > 0,
      usage: this.#usage.size > 0,
      records: this.#records.size > 0,
      updates: this.#updates.size > 0,
      budgets: many && this.#budgets.size > 0,
      tallies: this.#tallies.size > 0,
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
    if (shape.lots) push([...this.#lots.values()].map(lotRow), 2);
    if (shape.entries) push(this.#entries, 2);
    if (shape.usage) push([...this.#usage.values()], 2);
    if (shape.records) push([...this.#records.values()], 1);
    if (shape.updates) push([...this.#updates.values()], 1);
    if (shape.tallies) {
      const rows = [...this.#tallies].map(([p, tally]) => [
        p,
        ...TALLY_FIELDS.map((field) => tally[field]),
      ]);
      for (let c = 0; c < PROGRAM.length + TALLY.length; c++)
        values.push(arrayLiteral(rows.map((row) => row[c] ?? null)));
    }
    if (shape.budgets) {
      push(
        [...this.#budgets.values()].map((b) => [b.p, b.e, b.add, b.lim]),
        0,
      );
    }
    if (shape.lots) values.push(this.#lots.size, this.#newLots);
    if (shape.updates) values.push(this.#updates.size);
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
    if (
      shape.lots &&
      (Number(row?.lots) !== this.#lots.size || Number(row?.lots_inserted) !== this.#newLots)
    )
      problems.push("a changed lot does not exist, or a new lot's id is taken");
    if (
      shape.updates &&
      (Number(row?.updates) !== this.#updates.size || Number(row?.updates_inserted) !== 0)
    )
      problems.push("a request record to update is missing or belongs to another account");
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

function lotRow({ p, u, lot }: { p: string; u: string; lot: Lot }): Scalar[] {
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

/** A map key for two ids; NUL cannot occur in Postgres text, so it cannot collide. */
export function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
