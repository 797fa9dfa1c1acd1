/**
 * Reading an account: its row (with the totals) and only the lots a command
 * needs, as index range scans bounded by what the command touches. The lots
 * are those of `AccountSnapshot.lots` in core:
 *
 * - due lots: open, `expires_at <= at`;
 * - activated lots: open, `least(as_of, at) < available_at <= greatest(as_of, at)`;
 * - the next-expiry group: open, `expires_at` = the smallest one after `at`;
 * - the next activation: the open lot with the smallest `available_at` after `at`;
 * - spend lots: the open lots not expired at `at` in FIFO order (expiry,
 *   never-expiring last, then earned, then id), pending ones included, up to
 *   the first at which the spendable ones hold more than `spend`, then the
 *   rest of that lot's expiry group; read a page at a time, and picked from
 *   the page here (`completeSpend`);
 * - the lots asked for by id, open or closed.
 *
 * The open-lot parts use the partial indexes on open lots (`remaining > 0`)
 * by (program, user, expires_at, earned_at, id) and by (program, user,
 * available_at). Everything comes back as rows of text columns, one kind per
 * row (`k`: `a` account, `l` lot, `u` usage, `q` request record, `b` budget,
 * `r` the record holding the command's request id), so one statement answers with one
 * snapshot.
 */
import {
  type AccountReads,
  type AccountSnapshot,
  type AccountTotals,
  addDecimalStrings,
  compareDecimalStrings,
  compareSpendOrder,
  type Lot,
  type RequestRecord,
} from "@coinage/core";
import type { Row } from "./client.js";
import { arrayLiteral, LOT_COLUMNS, lotText, requestText, toLot, toRequest } from "./rows.js";
import { type Statement, statement } from "./session.js";
import { type Tables, unnest } from "./statements.js";

/** Lots of the first spend page; a page that does not cover the spend is followed by a larger one. */
export const SPEND_PAGE = 16;
const MAX_SPEND_PAGE = 1024;
const MAX_BIGINT = "9223372036854775807";
/** Generic text columns of every read row: `c1` … `c13`. */
const WIDTH = 13;

/** `SELECT kind, [owner,] e1 AS c1, …` padded with NULLs to `WIDTH` columns. */
function row(kind: string, exprs: readonly string[], owner = ""): string {
  const cols = exprs.map((expr, i) => `${expr} AS c${i + 1}`);
  for (let i = exprs.length; i < WIDTH; i++) cols.push(`NULL::text AS c${i + 1}`);
  return `SELECT '${kind}'::text AS k, ${owner}${cols.join(", ")}`;
}

/**
 * How the account row is read: `load` plainly (one statement, one snapshot);
 * `lock` locking it (created when missing) for a transaction that writes it.
 */
export type ReadMode = "load" | "lock";

export interface ReadShape {
  readonly mode: ReadMode;
  /** The record of the command's own request id, when one is committed (a replay). */
  readonly request: boolean;
  readonly spend: boolean;
  readonly lotIds: boolean;
  readonly usage: boolean;
  readonly requests: boolean;
  readonly budget: boolean;
}

/** How the lot parts refer to the account and the command's instant. */
interface Refs {
  readonly p: string;
  readonly u: string;
  readonly at: string;
  readonly asOf: string;
}

const ACCOUNT_COLUMNS =
  "version, debt, next_lot_id, next_entry_seq, open_coins, pending_coins, totals_as_of, next_change_at";

/** Lot rows that are not rows of a spend page. */
const NO_SPEND = "false AS spend";

function openLots(t: Tables, r: Refs, condition: string, tail = ""): string {
  return `SELECT ${LOT_COLUMNS}, ${NO_SPEND} FROM ${t.lots} l
    WHERE l.program_id = ${r.p} AND l.user_id = ${r.u} AND l.remaining > 0 AND ${condition}${tail}`;
}

/** Due, activated, the next-expiry group and the next activation. */
function changingLots(t: Tables, r: Refs): string[] {
  return [
    openLots(t, r, `l.expires_at <= ${r.at}`),
    openLots(
      t,
      r,
      `l.available_at > least(${r.asOf}, ${r.at}) AND l.available_at <= greatest(${r.asOf}, ${r.at})`,
    ),
    openLots(
      t,
      r,
      `l.expires_at = (SELECT min(m.expires_at) FROM ${t.lots} m WHERE m.program_id = ${r.p}
        AND m.user_id = ${r.u} AND m.remaining > 0 AND m.expires_at > ${r.at})`,
    ),
    `(${openLots(t, r, `l.available_at > ${r.at}`, " ORDER BY l.available_at, l.id LIMIT 1")})`,
  ];
}

/**
 * One page of spend lots after the cursor (`e`, `t`, `i`) = (expires_at,
 * earned_at, id) of the last lot read before (`e` NULL: a never-expiring
 * lot; the first page starts at (`at`, max, max)): the next `size` open lots
 * not expired at `at` in FIFO order, from three range scans of the FIFO
 * index (the rest of the cursor's expiry, the later expiries, the
 * never-expiring lots). `completeSpend` keeps the ones the spend reaches.
 */
function spendLots(
  t: Tables,
  r: Refs,
  page: { e: string; t: string; i: string; size: string },
): string {
  const live = (condition: string, order: string) =>
    `(SELECT ${LOT_COLUMNS} FROM ${t.lots} l
      WHERE l.program_id = ${r.p} AND l.user_id = ${r.u} AND l.remaining > 0 AND ${condition}
      ORDER BY ${order} LIMIT ${page.size})`;
  return `(SELECT b.${LOT_COLUMNS.split(", ").join(", b.")}, true AS spend FROM (
      ${live(`l.expires_at = ${page.e} AND (l.earned_at, l.id) > (${page.t}, ${page.i})`, "l.earned_at, l.id")}
      UNION ALL
      ${live(`l.expires_at > ${page.e}`, "l.expires_at, l.earned_at, l.id")}
      UNION ALL
      ${live(
        `l.expires_at IS NULL AND (${page.e} IS NOT NULL OR (l.earned_at, l.id) > (${page.t}, ${page.i}))`,
        "l.earned_at, l.id",
      )}
    ) b ORDER BY b.expires_at NULLS LAST, b.earned_at, b.id LIMIT ${page.size})`;
}

/** Lot rows: the lot, then in `c11` whether it is a row of a spend page. */
function lotRows(from: string, owner = ""): string {
  return `${row("l", [...lotText("x"), "x.spend::text"], owner)}
    FROM (${from}) x`;
}

// ── statements ────────────────────────────────────────────────────────────

export interface ReadStatements {
  /** The read of one account for `shape`; parameters from `readValues`. */
  one(shape: ReadShape): Statement;
  /** The next spend page of one account: $1 program, $2 user, $3..$5 cursor, $6 size. */
  readonly spendPage: Statement;
  /** The rest of an expiry group: $1 program, $2 user, $3 expiry, $4 earned_at, $5 id of the last lot read. */
  readonly groupRest: Statement;
  /** The read of several accounts at once; parameters in `commits.ts`. */
  many(shape: ManyShape): Statement;
}

export function readStatements(t: Tables): ReadStatements {
  const one = memo((shape: ReadShape) => readOne(t, shape));
  const many = memo((shape: ManyShape) => readMany(t, shape));
  const refs: Refs = { p: "$1", u: "$2", at: "$3::bigint", asOf: "NULL" };
  return {
    one,
    many,
    spendPage: statement(
      lotRows(
        spendLots(t, refs, { e: "$3::bigint", t: "$4::bigint", i: "$5::bigint", size: "$6::int" }),
      ),
    ),
    groupRest: statement(
      lotRows(
        openLots(
          t,
          refs,
          "l.expires_at = $3::bigint AND (l.earned_at, l.id) > ($4::bigint, $5::bigint)",
        ),
      ),
    ),
  };
}

function memo<S extends object>(build: (shape: S) => string): (shape: S) => Statement {
  const cache = new Map<string, Statement>();
  return (shape) => {
    const key = Object.entries(shape)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(",");
    let found = cache.get(key);
    if (found === undefined) {
      found = statement(build(shape));
      cache.set(key, found);
    }
    return found;
  };
}

/**
 * Parameters: $1 program, $2 user, $3 at, then for the parts in `shape`, in
 * this order: lot ids, usage keys, request ids, budget event, the command's
 * own request id.
 *
 * `lock` locks the account row in the same statement. The statement's
 * snapshot was taken before the lock was granted: when another command
 * committed in between, the locked row is newer than the snapshot (its
 * version differs from `c3`, the version the snapshot holds) and the caller
 * reads again (the lock is held by then, so that read is current).
 */
function readOne(t: Tables, shape: ReadShape): string {
  let n = 3;
  const next = () => `$${++n}`;
  const lotIds = shape.lotIds ? next() : undefined;
  const usage = shape.usage ? next() : undefined;
  const requests = shape.requests ? next() : undefined;
  const budget = shape.budget ? next() : undefined;
  const request = shape.request ? next() : undefined;
  const locking = shape.mode === "lock";

  const ctes = [
    `found AS MATERIALIZED (
      SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts}
      WHERE program_id = $1 AND user_id = $2${locking ? " FOR NO KEY UPDATE" : ""}
    )`,
  ];
  if (request !== undefined) {
    // The record holding the command's request id: the command is then a replay.
    ctes.push(`rec AS MATERIALIZED (
      SELECT ${requestText("q").join(", ")} FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = ${request} AND q.kind IS NOT NULL
    )`);
  }
  if (locking) {
    // First command on the account: create its row (the insert holds it until
    // commit); not for a replay, which writes nothing.
    ctes.push(`made AS MATERIALIZED (
      INSERT INTO ${t.accounts} (program_id, user_id)
      SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM found)${request === undefined ? "" : " AND NOT EXISTS (SELECT 1 FROM rec)"}
      ON CONFLICT DO NOTHING RETURNING ${ACCOUNT_COLUMNS}
    )`);
    ctes.push("acc AS MATERIALIZED (SELECT * FROM found UNION ALL SELECT * FROM made)");
  } else {
    ctes.push("acc AS MATERIALIZED (SELECT * FROM found)");
  }

  const refs: Refs = {
    p: "$1",
    u: "$2",
    at: "$3::bigint",
    asOf: "(SELECT totals_as_of FROM acc)",
  };
  const parts = changingLots(t, refs);
  if (lotIds !== undefined) {
    parts.push(`SELECT ${LOT_COLUMNS}, ${NO_SPEND} FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.user_id = $2 AND l.id = ANY(${lotIds}::text::bigint[])`);
  }
  if (shape.spend) {
    parts.push(
      spendLots(t, refs, { e: refs.at, t: MAX_BIGINT, i: MAX_BIGINT, size: String(SPEND_PAGE) }),
    );
  }

  const branches = [
    `${row("a", [
      "NULL::text",
      "acc.version::text",
      locking
        ? `(SELECT s.version FROM ${t.accounts} s WHERE s.program_id = $1 AND s.user_id = $2)::text`
        : "NULL::text",
      "acc.debt::text",
      "acc.next_lot_id::text",
      "acc.next_entry_seq::text",
      "acc.open_coins::text",
      "acc.pending_coins::text",
      "acc.totals_as_of::text",
      "acc.next_change_at::text",
      locking ? "(SELECT count(*) FROM made)::text" : "NULL::text",
    ])} FROM (SELECT 1) AS one LEFT JOIN acc ON true`,
    lotRows(parts.join("\n    UNION ALL ")),
  ];
  if (usage !== undefined) {
    branches.push(`${row("u", ["g.key::text", "g.used::text"])}
      FROM ${t.usage} g WHERE g.program_id = $1 AND g.user_id = $2
        AND g.key = ANY(${usage}::text::text[])`);
  }
  if (requests !== undefined) {
    branches.push(`${row("q", requestText("q"))} FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = ANY(${requests}::text::text[])
        AND q.user_id = $2 AND q.kind IS NOT NULL`);
  }
  if (budget !== undefined) {
    branches.push(`${row("b", ["b.used::text"])} FROM ${t.budgets} b
      WHERE b.program_id = $1 AND b.event_id = ${budget}`);
  }
  if (request !== undefined) {
    branches.push(
      `${row("r", ["request_id", "kind", "user_id", "fingerprint", "at", "result", "coins", "reversed", "lot_id", "parts"].map((c) => `rec.${c}`))} FROM rec`,
    );
  }
  return `WITH ${ctes.join(",\n    ")}\n${branches.join("\nUNION ALL\n")}`;
}

export function readShape(mode: ReadMode, reads: AccountReads, request: boolean): ReadShape {
  return {
    mode,
    request,
    spend: reads.spend !== undefined,
    lotIds: reads.lotIds.length > 0,
    usage: reads.usageKeys.length > 0,
    requests: reads.requestIds.length > 0,
    budget: reads.budgetEventId !== undefined,
  };
}

export function readValues(
  programId: string,
  userId: string,
  reads: AccountReads,
  requestId?: string,
): unknown[] {
  const values: unknown[] = [programId, userId, reads.at];
  if (reads.lotIds.length > 0) values.push(arrayLiteral(reads.lotIds));
  if (reads.usageKeys.length > 0) values.push(arrayLiteral(reads.usageKeys));
  if (reads.requestIds.length > 0) values.push(arrayLiteral(reads.requestIds));
  if (reads.budgetEventId !== undefined) values.push(reads.budgetEventId);
  if (requestId !== undefined) values.push(requestId);
  return values;
}

// ── several accounts (batches) ────────────────────────────────────────────

export interface ManyShape {
  readonly spend: boolean;
  readonly lotIds: boolean;
  readonly usage: boolean;
  readonly requests: boolean;
  readonly records: boolean;
}

/**
 * Parameters (array literals): $1..$4 programs, users, instants, spends of
 * the accounts (every account row exists and is locked), then for the parts
 * in `shape`: lot ids (p, u, id), usage (p, u, key), request records of the
 * accounts (p, u, request id), and committed records by id (p, request id,
 * for replays). Rows carry their account in `p`, `u`.
 */
function readMany(t: Tables, shape: ManyShape): string {
  let n = 4;
  const take = (count: number) => {
    const first = n + 1;
    n += count;
    return first;
  };
  const refs: Refs = { p: "k.p", u: "k.u", at: "k.at", asOf: "k.totals_as_of" };
  const owned = (part: string, where = "") =>
    `SELECT k.p, k.u, o.* FROM k CROSS JOIN LATERAL (${part}) o${where}`;
  const sources = changingLots(t, refs).map((part) => owned(part));
  if (shape.spend) {
    const page = { e: "k.at", t: MAX_BIGINT, i: MAX_BIGINT, size: String(SPEND_PAGE) };
    sources.push(owned(spendLots(t, refs, page), " WHERE k.spend IS NOT NULL"));
  }
  if (shape.lotIds) {
    const first = take(3);
    sources.push(`SELECT y.p, y.u, ${LOT_COLUMNS.split(", ")
      .map((c) => `l.${c}`)
      .join(", ")}, ${NO_SPEND}
      FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["id", "bigint"],
      ])} JOIN ${t.lots} l ON l.program_id = y.p AND l.user_id = y.u AND l.id = y.id`);
  }
  const owner = "x.p::text AS p, x.u::text AS u, ";
  const branches: string[] = [
    `${row(
      "a",
      [
        "NULL::text",
        "x.version::text",
        "NULL::text",
        "x.debt::text",
        "x.next_lot_id::text",
        "x.next_entry_seq::text",
        "x.open_coins::text",
        "x.pending_coins::text",
        "x.totals_as_of::text",
        "x.next_change_at::text",
      ],
      owner,
    )} FROM k x`,
    lotRows(sources.join("\n  UNION ALL "), owner),
  ];
  if (shape.usage) {
    const first = take(3);
    branches.push(`${row("u", ["x.key::text", "x.used::text"], owner)}
      FROM (SELECT g.program_id AS p, g.user_id AS u, g.key, g.used FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["key", "text"],
      ])} JOIN ${t.usage} g ON g.program_id = y.p AND g.user_id = y.u AND g.key = y.key) x`);
  }
  if (shape.requests) {
    const first = take(3);
    branches.push(`${row("q", requestText("x"), owner)}
      FROM (SELECT q.program_id AS p, q.user_id AS u, q.* FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["r", "text"],
      ])} JOIN ${t.requests} q ON q.program_id = y.p AND q.request_id = y.r AND q.user_id = y.u
      WHERE q.kind IS NOT NULL) x`);
  }
  if (shape.records) {
    const first = take(2);
    branches.push(`${row("r", requestText("x"), owner)}
      FROM (SELECT q.program_id AS p, q.user_id AS u, q.* FROM ${unnest(first, "y", [
        ["p", "text"],
        ["r", "text"],
      ])} JOIN ${t.requests} q ON q.program_id = y.p AND q.request_id = y.r
      WHERE q.kind IS NOT NULL) x`);
  }
  return `WITH k AS MATERIALIZED (
      SELECT y.p, y.u, y.at, y.spend, a.${ACCOUNT_COLUMNS.split(", ").join(", a.")}
      FROM ${unnest(1, "y", [
        ["p", "text"],
        ["u", "text"],
        ["at", "bigint"],
        ["spend", "numeric"],
      ])}
      JOIN ${t.accounts} a ON a.program_id = y.p AND a.user_id = y.u
    )
${branches.join("\nUNION ALL\n")}`;
}

// ── answers ───────────────────────────────────────────────────────────────

/** The account row as read. */
export interface AccountRow {
  readonly version: number;
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  readonly totals: AccountTotals;
}

/** Lots, counters, records and the budget of one account. */
export interface Found {
  readonly lots: Map<number, Lot>;
  /** The rows of the first spend page, not yet in `lots` (`completeSpend` picks from them). */
  readonly page: Lot[];
  readonly usage: Record<string, string>;
  readonly requests: Record<string, RequestRecord>;
  budget: string | undefined;
}

export function emptyFound(): Found {
  return {
    lots: new Map(),
    page: [],
    usage: Object.create(null),
    requests: Object.create(null),
    budget: undefined,
  };
}

/** What one account read answered. */
export interface OneRead {
  /** The account row (locked, when read with a lock); missing when the account has none. */
  readonly account: AccountRow | undefined;
  /** The snapshot was taken after the last commit on the account (always so without a lock). */
  readonly current: boolean;
  /** The committed record holding the command's request id (the command is a replay). */
  readonly replay: RequestRecord | undefined;
  readonly found: Found;
}

export function parseOne(rows: readonly Row[]): OneRead {
  const found = emptyFound();
  let account: AccountRow | undefined;
  let current = true;
  let replay: RequestRecord | undefined;
  for (const r of rows) {
    switch (r.k) {
      case "a":
        if (r.c2 !== null) {
          account = accountRow(r);
          // A row made by this statement is new: nothing committed before it.
          current = r.c11 === "1" || r.c3 === null || r.c3 === r.c2;
        }
        break;
      case "r":
        replay = toRequest(r);
        break;
      default:
        addRow(found, r);
    }
  }
  return { account, current, replay, found };
}

/** c2 version, c4 debt, c5 next lot id, c6 next entry seq, c7..c10 the totals. */
function accountRow(r: Row): AccountRow {
  return {
    version: Number(r.c2),
    debt: String(r.c4),
    nextLotId: Number(r.c5),
    nextEntrySeq: Number(r.c6),
    totals: {
      open: String(r.c7),
      pending: String(r.c8),
      asOf: Number(r.c9),
      nextChangeAt: r.c10 === null ? null : Number(r.c10),
    },
  };
}

/** A lot, counter, record or budget row into `found`. */
function addRow(found: Found, r: Row): void {
  switch (r.k) {
    case "l":
      if (r.c11 === "true") found.page.push(toLot(r));
      else {
        const lot = toLot(r);
        found.lots.set(lot.id, lot);
      }
      break;
    case "u":
      found.usage[String(r.c1)] = String(r.c2);
      break;
    case "q": {
      const record = toRequest(r);
      found.requests[record.requestId] = record;
      break;
    }
    case "b":
      found.budget = String(r.c1);
      break;
  }
}

/** The statements `completeSpend` may run, bound to a session. */
export interface SpendQueries {
  page(values: unknown[]): Promise<readonly Row[]>;
  groupRest(values: unknown[]): Promise<readonly Row[]>;
}

/**
 * The spend lots, from the first page read with the account: walk the page
 * in FIFO order until the spendable lots hold more than `spend`, then the
 * rest of that lot's expiry group; read the next page (a larger one, so the
 * pages cost what the reached lots cost) while a full page does not get
 * there, and the rest of the group when the page ended inside it.
 */
export async function completeSpend(
  found: Found,
  programId: string,
  userId: string,
  reads: AccountReads,
  queries: SpendQueries,
): Promise<void> {
  const spend = reads.spend;
  if (spend === undefined) return;
  let page = found.page;
  let size = SPEND_PAGE;
  let held = "0";
  for (;;) {
    page.sort(compareSpendOrder);
    for (let i = 0; i < page.length; i++) {
      const lot = page[i] as Lot;
      found.lots.set(lot.id, lot);
      if (lot.availableAt > reads.at) continue;
      held = addDecimalStrings(held, lot.remaining);
      if (compareDecimalStrings(held, spend) <= 0) continue;
      // Reached: the rest of this lot's expiry group, on this page and past it.
      if (lot.expiresAt === null) return;
      let j = i + 1;
      for (; j < page.length && (page[j] as Lot).expiresAt === lot.expiresAt; j++) {
        found.lots.set((page[j] as Lot).id, page[j] as Lot);
      }
      if (j === page.length && page.length === size) {
        const last = page[j - 1] as Lot;
        for (const r of await queries.groupRest([
          programId,
          userId,
          last.expiresAt,
          last.earnedAt,
          last.id,
        ])) {
          const rest = toLot(r);
          found.lots.set(rest.id, rest);
        }
      }
      return;
    }
    const last = page[page.length - 1];
    // Not reached: the page held every lot there was, or the next one is read.
    if (last === undefined || page.length < size) return;
    size = Math.min(size * 4, MAX_SPEND_PAGE);
    const next = emptyFound();
    for (const r of await queries.page([
      programId,
      userId,
      last.expiresAt,
      last.earnedAt,
      last.id,
      size,
    ])) {
      addRow(next, r);
    }
    page = next.page;
  }
}

/** An account never written: version 0, no lots, totals of nothing. */
export const NO_ACCOUNT: AccountRow = {
  version: 0,
  debt: "0",
  nextLotId: 1,
  nextEntrySeq: 1,
  totals: { open: "0", pending: "0", asOf: 0, nextChangeAt: null },
};

/** The snapshot a command sees: the account row and what was found for its reads. */
export function snapshotOf(
  userId: string,
  account: AccountRow | undefined,
  found: Found,
  reads: AccountReads,
): AccountSnapshot {
  const base = account ?? NO_ACCOUNT;
  const snapshot: AccountSnapshot = {
    userId,
    version: base.version,
    totals: base.totals,
    lots: [...found.lots.values()].sort((a, b) => a.id - b.id),
    debt: base.debt,
    nextLotId: base.nextLotId,
    nextEntrySeq: base.nextEntrySeq,
    usage: found.usage,
    requests: found.requests,
  };
  return reads.budgetEventId === undefined
    ? snapshot
    : { ...snapshot, budgetUsed: found.budget ?? "0" };
}
