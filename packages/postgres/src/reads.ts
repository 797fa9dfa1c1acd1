/**
 * Reading an account: its row (with the totals) and only the lots a command
 * needs, as index range scans bounded by what the command touches (see
 * `AccountSnapshot.lots` in core):
 *
 * - due lots: open, `expires_at <= at`;
 * - activated lots: open, `as_of < available_at <= at`;
 * - the next-expiry group: open, `expires_at` = the smallest one after `at`;
 * - the next activation: one open lot with the smallest `available_at` after `at`;
 * - spend lots: open lots spendable at `at` in FIFO order (expiry, never-expiring
 *   last, then earned, then id) until their running sum covers `spend`, read
 *   a page at a time;
 * - the lots asked for by id, open or closed.
 *
 * The open-lot parts use the partial indexes on open lots (`remaining > 0`)
 * by (program, user, expires_at, earned_at, id) and by (program, user,
 * available_at). Everything comes back as rows of text columns, one kind per
 * row (`k`), so one statement answers with one snapshot.
 */
import {
  type AccountReads,
  type AccountSnapshot,
  type AccountTotals,
  addDecimalStrings,
  compareDecimalStrings,
  type Lot,
  type RequestRecord,
  subtractDecimalStrings,
} from "@coinage/core";
import type { Row } from "./client.js";
import { arrayLiteral, columns, LOT_COLUMNS, lotText, requestText, toLot, toRequest } from "./rows.js";
import { type Statement, statement } from "./session.js";
import { type Tables, unnest } from "./statements.js";

/** Rows of a spend page; a full page that does not cover the spend is followed by the next. */
export const SPEND_PAGE = 16;
const MAX_SPEND_PAGE = 1024;
const MAX_BIGINT = "9223372036854775807";

/**
 * How the account row is read: `load` plainly; `lock` locking it (created
 * when missing); `claim` first claiming the request id, then locking it
 * only when the claim succeeded.
 */
export type ReadMode = "load" | "lock" | "claim";

export interface ReadShape {
  readonly mode: ReadMode;
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

function openLots(t: Tables, r: Refs, condition: string, tail = ""): string {
  return `SELECT ${LOT_COLUMNS}, NULL::numeric AS running FROM ${t.lots} l
    WHERE l.program_id = ${r.p} AND l.user_id = ${r.u} AND l.remaining > 0 AND ${condition}${tail}`;
}

/** Due, activated, the next-expiry group and the next activation. */
function changingLots(t: Tables, r: Refs): string[] {
  return [
    openLots(t, r, `l.expires_at <= ${r.at}`),
    openLots(t, r, `l.available_at > ${r.asOf} AND l.available_at <= ${r.at}`),
    openLots(
      t,
      r,
      `l.expires_at = (SELECT min(m.expires_at) FROM ${t.lots} m WHERE m.program_id = ${r.p}
        AND m.user_id = ${r.u} AND m.remaining > 0 AND m.expires_at > ${r.at})`,
    ),
    `(${openLots(t, r, `l.available_at > ${r.at}`, " ORDER BY l.available_at LIMIT 1")})`,
  ];
}

/**
 * One page of spend lots after the cursor (`e`, `t`, `i`) = (expires_at,
 * earned_at, id) of the last lot of the previous page (`e` NULL: a
 * never-expiring lot), with their running sum, cut where it covers `spend`.
 * The first page starts at (`at`, max, max). Three range scans of the FIFO
 * index: the rest of the cursor's expiry, the later expiries, the
 * never-expiring lots.
 */
function spendLots(
  t: Tables,
  r: Refs,
  page: { spend: string; e: string; t: string; i: string; size: string },
): string {
  const spendable = (condition: string, order: string) =>
    `(SELECT ${LOT_COLUMNS} FROM ${t.lots} l
      WHERE l.program_id = ${r.p} AND l.user_id = ${r.u} AND l.remaining > 0
        AND l.available_at <= ${r.at} AND ${condition}
      ORDER BY ${order} LIMIT ${page.size})`;
  return `SELECT s.* FROM (
      SELECT f.*, sum(f.remaining) OVER (ORDER BY f.expires_at NULLS LAST, f.earned_at, f.id
        ROWS UNBOUNDED PRECEDING) AS running
      FROM (SELECT * FROM (
        ${spendable(`l.expires_at = ${page.e} AND (l.earned_at, l.id) > (${page.t}, ${page.i})`, "l.earned_at, l.id")}
        UNION ALL
        ${spendable(`l.expires_at > ${page.e}`, "l.expires_at, l.earned_at, l.id")}
        UNION ALL
        ${spendable(
          `l.expires_at IS NULL AND (${page.e} IS NOT NULL OR (l.earned_at, l.id) > (${page.t}, ${page.i}))`,
          "l.earned_at, l.id",
        )}
      ) b ORDER BY b.expires_at NULLS LAST, b.earned_at, b.id LIMIT ${page.size}) f
    ) s WHERE s.running - s.remaining < ${page.spend}`;
}

/** `SELECT 'l', <lot as text>, running FROM (parts) x` */
function lotRows(parts: readonly string[], prefix = ""): string {
  return `SELECT 'l' AS k, ${prefix}${columns([...lotText("x"), "x.running::text"])}
    FROM (${parts.join("\n    UNION ALL ")}) x`;
}

// ── one account ───────────────────────────────────────────────────────────

export interface ReadStatements {
  /** The read of one account for `shape`; parameters from `readValues`. */
  one(shape: ReadShape): Statement;
  /** The next spend page of one account; parameters from `spendPageValues`. */
  readonly spendPage: Statement;
  /** The read of several accounts at once; parameters from `ManyReads.values`. */
  many(shape: ManyShape): Statement;
}

export function readStatements(t: Tables): ReadStatements {
  const one = new Map<string, Statement>();
  const many = new Map<string, Statement>();
  return {
    one(shape) {
      const key = shapeKey(shape);
      let found = one.get(key);
      if (found === undefined) {
        found = statement(readOne(t, shape));
        one.set(key, found);
      }
      return found;
    },
    spendPage: statement(
      lotRows([
        spendLots(
          t,
          { p: "$1", u: "$2", at: "$3::bigint", asOf: "NULL" },
          { spend: "$4::numeric", e: "$5::bigint", t: "$6::bigint", i: "$7::bigint", size: "$8::int" },
        ),
      ]),
    ),
    many(shape) {
      const key = shapeKey(shape);
      let found = many.get(key);
      if (found === undefined) {
        found = statement(readMany(t, shape));
        many.set(key, found);
      }
      return found;
    },
  };
}

function shapeKey(shape: object): string {
  return Object.entries(shape)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(",");
}

/**
 * Parameters: $1 program, $2 user, $3 at, then for the parts in `shape`, in
 * this order: spend, lot ids, usage keys, request ids, budget event, and for
 * `claim` the request id and its fingerprint.
 *
 * `claim` and `lock` lock the account row in the same statement. The
 * statement's snapshot was taken before the lock was granted: when another
 * command committed in between, the locked row is newer than the snapshot
 * (its version differs from `c3`, the version the snapshot holds) and the
 * caller reads again (the lock is held by then, so that read is current).
 */
function readOne(t: Tables, shape: ReadShape): string {
  let n = 3;
  const next = () => `$${++n}`;
  const spend = shape.spend ? next() : undefined;
  const lotIds = shape.lotIds ? next() : undefined;
  const usage = shape.usage ? next() : undefined;
  const requests = shape.requests ? next() : undefined;
  const budget = shape.budget ? next() : undefined;
  const claim = shape.mode === "claim" ? [next(), next()] : undefined;
  const locking = shape.mode !== "load";

  const ctes: string[] = [];
  if (claim !== undefined) {
    ctes.push(`claim AS MATERIALIZED (
      INSERT INTO ${t.requests} (program_id, request_id, user_id, fingerprint)
      VALUES ($1, ${claim[0]}, $2, ${claim[1]}) ON CONFLICT DO NOTHING RETURNING 1
    )`);
  }
  const claimed = claim === undefined ? "" : " AND EXISTS (SELECT 1 FROM claim)";
  ctes.push(`found AS MATERIALIZED (
      SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts}
      WHERE program_id = $1 AND user_id = $2${claimed}${locking ? " FOR NO KEY UPDATE" : ""}
    )`);
  if (locking) {
    // First command on the account: create its row (the insert holds it until commit).
    ctes.push(`made AS MATERIALIZED (
      INSERT INTO ${t.accounts} (program_id, user_id)
      SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM found)${claimed}
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
  const guard = claim === undefined ? "" : " AND EXISTS (SELECT 1 FROM acc)";
  const parts = changingLots(t, refs);
  if (lotIds !== undefined) {
    parts.push(`SELECT ${LOT_COLUMNS}, NULL::numeric AS running FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.user_id = $2 AND l.id = ANY(${lotIds}::text::bigint[])`);
  }
  if (spend !== undefined) {
    parts.push(
      spendLots(t, refs, {
        spend: `${spend}::numeric`,
        e: refs.at,
        t: MAX_BIGINT,
        i: MAX_BIGINT,
        size: String(SPEND_PAGE),
      }),
    );
  }

  const branches = [
    `SELECT 'a' AS k, ${columns([
      claim === undefined ? "NULL::text" : "(SELECT count(*) FROM claim)::text",
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
    // Replays need no lots: with a claim, the lots are read only when it succeeded.
    guard === "" ? lotRows(parts) : `${lotRows(parts)} WHERE EXISTS (SELECT 1 FROM acc)`,
  ];
  if (usage !== undefined) {
    branches.push(`SELECT 'u', ${columns(["g.key::text", "g.used::text"])}, ${nulls(3, 11)}
      FROM ${t.usage} g WHERE g.program_id = $1 AND g.user_id = $2
        AND g.key = ANY(${usage}::text::text[])${guard}`);
  }
  if (requests !== undefined) {
    branches.push(`SELECT 'q', ${columns(requestText("q"))}, NULL FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = ANY(${requests}::text::text[])
        AND q.user_id = $2 AND q.kind IS NOT NULL${guard}`);
  }
  if (budget !== undefined) {
    branches.push(`SELECT 'b', b.used::text, ${nulls(2, 11)} FROM ${t.budgets} b
      WHERE b.program_id = $1 AND b.event_id = ${budget}${guard}`);
  }
  if (claim !== undefined) {
    // The record that holds the request id, when the snapshot already shows it.
    branches.push(`SELECT 'r', ${columns(requestText("q"))}, NULL FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = ${claim[0]} AND q.kind IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM claim)`);
  }
  return `WITH ${ctes.join(",\n    ")}\n${branches.join("\nUNION ALL\n")}`;
}

function nulls(from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push("NULL");
  return out.join(", ");
}

export function readShape(mode: ReadMode, reads: AccountReads): ReadShape {
  return {
    mode,
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
  claim?: { readonly requestId: string; readonly fingerprint: string },
): unknown[] {
  const values: unknown[] = [programId, userId, reads.at];
  if (reads.spend !== undefined) values.push(reads.spend);
  if (reads.lotIds.length > 0) values.push(arrayLiteral(reads.lotIds));
  if (reads.usageKeys.length > 0) values.push(arrayLiteral(reads.usageKeys));
  if (reads.requestIds.length > 0) values.push(arrayLiteral(reads.requestIds));
  if (reads.budgetEventId !== undefined) values.push(reads.budgetEventId);
  if (claim !== undefined) values.push(claim.requestId, claim.fingerprint);
  return values;
}

/** The account row as read. */
export interface AccountRow {
  readonly version: number;
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  readonly totals: AccountTotals;
}

/** What one account read answered. */
export interface OneRead {
  /** With a claim: whether this transaction holds the request id now. */
  readonly claimed: boolean;
  /** The account row (locked, when read with a lock); missing when the account has none. */
  readonly account: AccountRow | undefined;
  /** With a lock: the snapshot was taken after the last commit on the account. */
  readonly current: boolean;
  /** The record holding the request id, when the claim failed and the snapshot shows it. */
  readonly replay: RequestRecord | undefined;
  readonly found: Found;
}

/** Lots, counters, records and the budget of one account. */
export interface Found {
  readonly lots: Map<number, Lot>;
  /** The spend lots, in FIFO order, with their running sums. */
  readonly spent: { lot: Lot; running: string }[];
  readonly usage: Record<string, string>;
  readonly requests: Record<string, RequestRecord>;
  budget: string | undefined;
}

export function emptyFound(): Found {
  return {
    lots: new Map(),
    spent: [],
    usage: Object.create(null),
    requests: Object.create(null),
    budget: undefined,
  };
}

export function parseOne(rows: readonly Row[]): OneRead {
  const found = emptyFound();
  let account: AccountRow | undefined;
  let claimed = true;
  let current = true;
  let replay: RequestRecord | undefined;
  for (const row of rows) {
    switch (row.k) {
      case "a":
        if (row.c1 !== null) claimed = row.c1 !== "0";
        if (row.c2 !== null) {
          account = accountRow(row, 2);
          // A row made by this statement is new: nothing committed before it.
          current = row.c11 === "1" || row.c3 === null || row.c3 === row.c2;
        }
        break;
      case "r":
        replay = toRequest(row);
        break;
      default:
        addRow(found, row);
    }
  }
  return { claimed, account, current, replay, found };
}

/** The account columns starting at `c{first}`: version, then (skipping one) debt, … */
function accountRow(row: Row, first: number): AccountRow {
  const c = (i: number) => row[`c${first + i}`];
  const nextChange = c(8);
  return {
    version: Number(c(0)),
    debt: String(c(2)),
    nextLotId: Number(c(3)),
    nextEntrySeq: Number(c(4)),
    totals: {
      open: String(c(5)),
      pending: String(c(6)),
      asOf: Number(c(7)),
      nextChangeAt: nextChange === null ? null : Number(nextChange),
    },
  };
}

/** A lot, counter, record or budget row into `found`. */
function addRow(found: Found, row: Row): void {
  switch (row.k) {
    case "l": {
      const lot = toLot(row);
      found.lots.set(lot.id, lot);
      if (row.c11 !== null) found.spent.push({ lot, running: String(row.c11) });
      break;
    }
    case "u":
      found.usage[String(row.c1)] = String(row.c2);
      break;
    case "q": {
      const record = toRequest(row);
      found.requests[record.requestId] = record;
      break;
    }
    case "b":
      found.budget = String(row.c1);
      break;
  }
}

/**
 * Read further spend pages while the last one was full and did not cover
 * `spend` (pages grow, so the pages cost what the covered lots cost).
 */
export async function completeSpend(
  found: Found,
  programId: string,
  userId: string,
  reads: AccountReads,
  page: (values: unknown[]) => Promise<readonly Row[]>,
): Promise<void> {
  const spend = reads.spend;
  if (spend === undefined) return;
  let rows = sortedSpend(found.spent);
  let size = SPEND_PAGE;
  let covered = "0";
  for (;;) {
    const last = rows[rows.length - 1];
    if (rows.length < size || last === undefined) return;
    const total = addDecimalStrings(covered, last.running);
    if (compareDecimalStrings(total, spend) >= 0) return;
    covered = total;
    size = Math.min(size * 4, MAX_SPEND_PAGE);
    const more = await page([
      programId,
      userId,
      reads.at,
      subtractDecimalStrings(spend, covered),
      last.lot.expiresAt,
      last.lot.earnedAt,
      last.lot.id,
      size,
    ]);
    const next = emptyFound();
    for (const row of more) addRow(next, row);
    for (const [id, lot] of next.lots) found.lots.set(id, lot);
    rows = sortedSpend(next.spent);
  }
}

function sortedSpend(rows: { lot: Lot; running: string }[]) {
  return [...rows].sort((a, b) => compareDecimalStrings(a.running, b.running));
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
  const row = account ?? NO_ACCOUNT;
  const snapshot: AccountSnapshot = {
    userId,
    version: row.version,
    totals: row.totals,
    lots: [...found.lots.values()].sort((a, b) => a.id - b.id),
    debt: row.debt,
    nextLotId: row.nextLotId,
    nextEntrySeq: row.nextEntrySeq,
    usage: found.usage,
    requests: found.requests,
  };
  return reads.budgetEventId === undefined
    ? snapshot
    : { ...snapshot, budgetUsed: found.budget ?? "0" };
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
 * the accounts, then for the parts in `shape`: lot ids (p, u, id), usage
 * (p, u, key), request records of the accounts (p, u, request id), and
 * committed records by id (p, request id, for replays). Rows carry the
 * account in `p`, `u`.
 */
function readMany(t: Tables, shape: ManyShape): string {
  let n = 4;
  const take = (count: number) => {
    const first = n + 1;
    n += count;
    return first;
  };
  const refs: Refs = { p: "k.p", u: "k.u", at: "k.at", asOf: "k.totals_as_of" };
  const branches: string[] = [
    `SELECT 'a' AS k, k.p, k.u, ${columns([
      "NULL::text",
      "k.version::text",
      "NULL::text",
      "k.debt::text",
      "k.next_lot_id::text",
      "k.next_entry_seq::text",
      "k.open_coins::text",
      "k.pending_coins::text",
      "k.totals_as_of::text",
      "k.next_change_at::text",
      "NULL::text",
    ])} FROM k`,
  ];
  const lotBranch = (from: string) =>
    `SELECT 'l', x.p, x.u, ${columns([...lotText("x"), "x.running::text"])} FROM (${from}) x`;
  const lotSources = changingLots(t, refs).map(
    (part) => `SELECT k.p, k.u, o.* FROM k CROSS JOIN LATERAL (${part}) o`,
  );
  if (shape.spend) {
    lotSources.push(
      `SELECT k.p, k.u, o.* FROM k CROSS JOIN LATERAL (${spendLots(t, refs, {
        spend: "k.spend",
        e: "k.at",
        t: MAX_BIGINT,
        i: MAX_BIGINT,
        size: String(SPEND_PAGE),
      })}) o WHERE k.spend IS NOT NULL`,
    );
  }
  if (shape.lotIds) {
    const first = take(3);
    lotSources.push(`SELECT l.program_id AS p, l.user_id AS u, ${LOT_COLUMNS
      .split(", ")
      .map((c) => `l.${c}`)
      .join(", ")}, NULL::numeric AS running
      FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["id", "bigint"],
      ])} JOIN ${t.lots} l ON l.program_id = y.p AND l.user_id = y.u AND l.id = y.id`);
  }
  branches.push(lotBranch(lotSources.join("\n  UNION ALL ")));
  if (shape.usage) {
    const first = take(3);
    branches.push(`SELECT 'u', g.program_id::text, g.user_id::text,
      ${columns(["g.key::text", "g.used::text"])}, ${nulls(3, 11)}
      FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["key", "text"],
      ])} JOIN ${t.usage} g ON g.program_id = y.p AND g.user_id = y.u AND g.key = y.key`);
  }
  if (shape.requests) {
    const first = take(3);
    branches.push(`SELECT 'q', q.program_id::text, q.user_id::text, ${columns(requestText("q"))}, NULL
      FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["r", "text"],
      ])} JOIN ${t.requests} q ON q.program_id = y.p AND q.request_id = y.r AND q.user_id = y.u
      WHERE q.kind IS NOT NULL`);
  }
  if (shape.records) {
    const first = take(2);
    branches.push(`SELECT 'r', q.program_id::text, q.user_id::text, ${columns(requestText("q"))}, NULL
      FROM ${unnest(first, "y", [
        ["p", "text"],
        ["r", "text"],
      ])} JOIN ${t.requests} q ON q.program_id = y.p AND q.request_id = y.r
      WHERE q.kind IS NOT NULL`);
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
