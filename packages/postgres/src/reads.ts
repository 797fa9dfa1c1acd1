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
 *   the page by `completeSpend` (`snapshot.ts`);
 * - the lots asked for by id, open or closed.
 *
 * The open-lot parts use the partial indexes on open lots (`remaining > 0`)
 * by (program, user, expires_at, earned_at, id) and by (program, user,
 * available_at). Everything comes back as rows of text columns, one kind per
 * row (`k`: `a` account, `l` lot, `u` usage, `q` request record, `b` budget,
 * `r` the record holding the command's request id), so one statement answers with one
 * snapshot.
 */
import type { AccountReads } from "@coinage/core";
import { arrayLiteral, LOT_COLUMNS, lotText, requestText } from "./rows.js";
import { type Statement, statement } from "./session.js";
import { type Tables, unnest } from "./statements.js";

/** Lots of the first spend page; a page that does not cover the spend is followed by a larger one. */
export const SPEND_PAGE = 16;
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
  /** The stored version of an event (`AccountReads.eventId`). */
  readonly event: boolean;
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

/**
 * The order of the FIFO index. Every scan meant for it orders by all three
 * columns (also under an equality or IS NULL on `expires_at`), so that a
 * generic plan sees the index's order and never filters an account's open
 * lots through the other index.
 */
const FIFO = "l.expires_at, l.earned_at, l.id";

/** Lot rows that are not rows of a spend page. */
const NO_SPEND = "false AS spend";

function openLots(t: Tables, r: Refs, condition: string, tail = ""): string {
  return `SELECT ${LOT_COLUMNS}, ${NO_SPEND} FROM ${t.lots} l
    WHERE l.program_id = ${r.p} AND l.user_id = ${r.u} AND l.remaining > 0 AND ${condition}${tail}`;
}

/**
 * Due, activated, the next-expiry group and the next activation. Each part
 * is ordered like the index it is meant to scan: a generic plan (a prepared
 * statement's, which knows no parameter) could otherwise pick the other
 * index and filter every open lot of the account.
 */
function changingLots(t: Tables, r: Refs): string[] {
  return [
    `(${openLots(t, r, `l.expires_at <= ${r.at}`, ` ORDER BY ${FIFO}`)})`,
    `(${openLots(
      t,
      r,
      `l.available_at > least(${r.asOf}, ${r.at}) AND l.available_at <= greatest(${r.asOf}, ${r.at})`,
      " ORDER BY l.available_at",
    )})`,
    `(${openLots(
      t,
      r,
      `l.expires_at = (SELECT m.expires_at FROM ${t.lots} m WHERE m.program_id = ${r.p}
        AND m.user_id = ${r.u} AND m.remaining > 0 AND m.expires_at > ${r.at}
        ORDER BY m.expires_at LIMIT 1)`,
      ` ORDER BY ${FIFO}`,
    )})`,
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
      ${live(`l.expires_at = ${page.e} AND (l.earned_at, l.id) > (${page.t}, ${page.i})`, FIFO)}
      UNION ALL
      ${live(`l.expires_at > ${page.e}`, FIFO)}
      UNION ALL
      ${live(
        `l.expires_at IS NULL AND (${page.e} IS NOT NULL OR (l.earned_at, l.id) > (${page.t}, ${page.i}))`,
        FIFO,
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
        `(${openLots(
          t,
          refs,
          "l.expires_at = $3::bigint AND (l.earned_at, l.id) > ($4::bigint, $5::bigint)",
          ` ORDER BY ${FIFO}`,
        )})`,
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
 * this order: lot ids, usage keys, request ids, budget event, the event
 * whose version is asked for, the command's own request id.
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
  const event = shape.event ? next() : undefined;
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
    // One primary-key lookup per id (OFFSET 0 keeps the subquery a per-id lookup;
    // a generic plan could otherwise join against every lot of the account).
    parts.push(`SELECT x.* FROM unnest(${lotIds}::text::bigint[]) AS i(id) CROSS JOIN LATERAL (
        SELECT ${LOT_COLUMNS}, ${NO_SPEND} FROM ${t.lots} l
        WHERE l.program_id = $1 AND l.user_id = $2 AND l.id = i.id OFFSET 0
      ) x`);
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
  if (event !== undefined) {
    // One row, its version NULL when the program has no such event.
    branches.push(
      `${row("v", [
        `(SELECT e.version FROM ${t.events} e WHERE e.program_id = $1 AND e.event_id = ${event})::text`,
      ])}`,
    );
  }
  if (request !== undefined) {
    branches.push(
      `${row(
        "r",
        [
          "request_id",
          "kind",
          "user_id",
          "fingerprint",
          "at",
          "result",
          "coins",
          "reversed",
          "lot_id",
          "parts",
        ].map((c) => `rec.${c}`),
      )} FROM rec`,
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
    event: reads.eventId !== undefined,
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
  if (reads.eventId !== undefined) values.push(reads.eventId);
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
  // Every part runs per account (OFFSET 0 keeps each a lookup of that account's
  // index range; a generic plan could otherwise join every account's lots).
  const owned = (part: string, where = "") =>
    `SELECT k.p, k.u, o.* FROM k CROSS JOIN LATERAL (SELECT * FROM (${part}) w OFFSET 0) o${where}`;
  const sources = changingLots(t, refs).map((part) => owned(part));
  if (shape.spend) {
    const page = { e: "k.at", t: MAX_BIGINT, i: MAX_BIGINT, size: String(SPEND_PAGE) };
    sources.push(owned(spendLots(t, refs, page), " WHERE k.spend IS NOT NULL"));
  }
  if (shape.lotIds) {
    const first = take(3);
    sources.push(`SELECT y.p, y.u, l.* FROM ${unnest(first, "y", [
      ["p", "text"],
      ["u", "text"],
      ["id", "bigint"],
    ])} CROSS JOIN LATERAL (
        SELECT ${LOT_COLUMNS}, ${NO_SPEND} FROM ${t.lots}
        WHERE program_id = y.p AND user_id = y.u AND id = y.id OFFSET 0
      ) l`);
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
      FROM (SELECT y.p, y.u, g.key, g.used FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["key", "text"],
      ])} CROSS JOIN LATERAL (
          SELECT key, used FROM ${t.usage}
          WHERE program_id = y.p AND user_id = y.u AND key = y.key OFFSET 0
        ) g) x`);
  }
  if (shape.requests) {
    const first = take(3);
    branches.push(`${row("q", requestText("x"), owner)}
      FROM (SELECT y.p, y.u, q.* FROM ${unnest(first, "y", [
        ["p", "text"],
        ["u", "text"],
        ["r", "text"],
      ])} CROSS JOIN LATERAL (
          SELECT * FROM ${t.requests}
          WHERE program_id = y.p AND request_id = y.r AND user_id = y.u AND kind IS NOT NULL OFFSET 0
        ) q) x`);
  }
  if (shape.records) {
    const first = take(2);
    branches.push(`${row("r", requestText("x"), owner)}
      FROM (SELECT y.p, q.user_id AS u, q.* FROM ${unnest(first, "y", [
        ["p", "text"],
        ["r", "text"],
      ])} CROSS JOIN LATERAL (
          SELECT * FROM ${t.requests}
          WHERE program_id = y.p AND request_id = y.r AND kind IS NOT NULL OFFSET 0
        ) q) x`);
  }
  return `WITH k AS MATERIALIZED (
      SELECT y.p, y.u, y.at, y.spend, a.*
      FROM ${unnest(1, "y", [
        ["p", "text"],
        ["u", "text"],
        ["at", "bigint"],
        ["spend", "numeric"],
      ])} CROSS JOIN LATERAL (
        SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts}
        WHERE program_id = y.p AND user_id = y.u OFFSET 0
      ) a
    )
${branches.join("\nUNION ALL\n")}`;
}
