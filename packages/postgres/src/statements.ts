/**
 * The store's fixed statements, built once per schema. Values always travel
 * as parameters: scalars as they are, lists as one array literal each
 * (`$1::text::text[]`, see `arrayLiteral`), unpacked by `unnest`. The
 * account reads and the commits are built in `reads.ts` and `writes.ts`.
 */
import { columns, entryText, requestText } from "./rows.js";
import { type Statement, statement } from "./session.js";

/** Quote an identifier (schema name) for SQL text. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes("\u0000")) {
    throw new TypeError(`not a valid schema name: ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

export interface Tables {
  readonly events: string;
  readonly accounts: string;
  readonly lots: string;
  readonly entries: string;
  readonly requests: string;
  readonly usage: string;
  readonly budgets: string;
  readonly tallies: string;
  readonly tallyDeltas: string;
}

/** The columns of a program's totals (coinage_tallies, coinage_tally_deltas), in `TALLY_FIELDS` order. */
export const TALLY_COLUMNS = [
  "earned",
  "redeemed",
  "expired",
  "reversed",
  "restored",
  "adjusted",
  "open_coins",
  "debt",
] as const;

export function tables(schema: string | undefined): Tables {
  const prefix = schema === undefined ? "" : `${quoteIdent(schema)}.`;
  return {
    events: `${prefix}coinage_events`,
    accounts: `${prefix}coinage_accounts`,
    lots: `${prefix}coinage_lots`,
    entries: `${prefix}coinage_entries`,
    requests: `${prefix}coinage_requests`,
    usage: `${prefix}coinage_usage`,
    budgets: `${prefix}coinage_budgets`,
    tallies: `${prefix}coinage_tallies`,
    tallyDeltas: `${prefix}coinage_tally_deltas`,
  };
}

/**
 * The rows of parallel array parameters from `first` (one array literal per
 * column), as `(SELECT unnest($n::text::type[]) AS name, …) AS alias`.
 *
 * One `unnest` per column in a select list, which Postgres runs in lockstep
 * (shorter arrays padded with NULLs), rather than the multi-argument
 * `unnest(a, b, …)` in FROM, which yields the same rows: the latter fills a
 * tuplestore per column and cost about 300 µs per statement for a row of 10
 * columns here, against about 60 µs for this form (the same as plain scalar
 * parameters), measured with prepared statements on PostgreSQL 15.
 */
export function unnest(
  first: number,
  alias: string,
  cols: readonly (readonly [name: string, type: string])[],
): string {
  const list = cols
    .map(([name, type], i) => `unnest($${first + i}::text::${type}[]) AS ${name}`)
    .join(", ");
  return `(SELECT ${list}) AS ${alias}`;
}

export interface Fixed {
  readonly insertEvent: Statement;
  readonly replaceEvent: Statement;
  readonly getEvent: Statement;
  readonly listEvents: Statement;
  readonly listEventsAfter: Statement;
  readonly findRequest: Statement;
  readonly history: Statement;
  readonly historyBefore: Statement;
  readonly findExpiring: Statement;
  readonly findExpiringAfter: Statement;
  /**
   * $1 program, $2 now, $3 before, $4 limit, $5 $6 after (earliest, user):
   * accounts by their earliest open expiry (the open-by-expiry index walked
   * from the cursor, each account's own earliest lot only), and per account
   * its open lots expiring in (now, before] (the FIFO index).
   */
  readonly listExpiring: Statement;
  readonly budgetUsed: Statement;
  /**
   * $1 program, $2 $3 $4 after (tx, user, seq), $5 limit: the feed page, in
   * (tx, user, seq) order, of transactions that all finished (below the
   * oldest one in flight), through the feed index.
   */
  readonly readFeed: Statement;
  /**
   * $1 program, $2 instant: the program's totals (its base row plus its
   * delta rows, and how many deltas), the coins of open lots pending at $2
   * (through coinage_lots_pending) and of open lots expired by $2, not swept
   * (through the expiry index).
   */
  readonly readLiability: Statement;
  /** $1 program: folds its delta rows into its base row. */
  readonly compactTallies: Statement;
  /** $1 program, $2 user → 1 row when the account row exists. */
  readonly accountExists: Statement;
  /** $1 'on' or 'off': allows (for this transaction) the one update of entries an erasure makes. */
  readonly erasureSetting: Statement;
  /** $1 program, $2 user, $3 pseudonym: moves the account, its lots, entries (reasons dropped) and usage. */
  readonly moveAccount: Statement;
  /**
   * $1 program, $2 user → the user's request records. No index serves it (one
   * by user would cost every write): it reads the program's records.
   */
  readonly requestsOfUser: Statement;
  /** $1 program, $2 request ids, $3 user ids, $4 fingerprints, $5 results: rewrites erased records. */
  readonly rewriteRequests: Statement;
  /** $1 program, $2 user → 1 row when the account row exists (locked now). */
  readonly lockAccount: Statement;
  /**
   * $1 program, $2 event, $3 add, $4 limit → 1 row when the budget took the
   * coins. A negative add (a give-back) always applies, and never takes the
   * counter below 0.
   */
  readonly reserveBudget: Statement;
  /** $1, $2 programs, users → creates the missing rows (in a fixed order). */
  readonly createAccounts: Statement;
  /** $1, $2 programs, users → locks them in a fixed order. */
  readonly lockAccounts: Statement;
  /** $1, $2 programs, events → creates the missing budget rows. */
  readonly createBudgets: Statement;
  /** $1, $2 programs, events → locks and reads them in a fixed order. */
  readonly lockBudgets: Statement;
}

export function fixedStatements(t: Tables): Fixed {
  return {
    insertEvent: statement(`INSERT INTO ${t.events} (program_id, event_id, version, body)
      VALUES ($1, $2, $3, $4::text::jsonb) ON CONFLICT DO NOTHING RETURNING 1 AS ok`),
    replaceEvent: statement(`UPDATE ${t.events} SET version = $3, body = $4::text::jsonb
      WHERE program_id = $1 AND event_id = $2 AND version = $5 RETURNING 1 AS ok`),
    getEvent: statement(`SELECT version::text AS version, body::text AS body FROM ${t.events}
      WHERE program_id = $1 AND event_id = $2`),
    listEvents: statement(`SELECT version::text AS version, body::text AS body FROM ${t.events}
      WHERE program_id = $1 ORDER BY event_id LIMIT $2`),
    listEventsAfter: statement(`SELECT version::text AS version, body::text AS body FROM ${t.events}
      WHERE program_id = $1 AND event_id > $3 ORDER BY event_id LIMIT $2`),
    findRequest: statement(`SELECT ${columns(requestText("q"))} FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = $2 AND q.kind IS NOT NULL`),
    history: statement(`SELECT ${columns(entryText("e"))} FROM ${t.entries} e
      WHERE e.program_id = $1 AND e.user_id = $2 ORDER BY e.seq DESC LIMIT $3`),
    historyBefore: statement(`SELECT ${columns(entryText("e"))} FROM ${t.entries} e
      WHERE e.program_id = $1 AND e.user_id = $2 AND e.seq < $4 ORDER BY e.seq DESC LIMIT $3`),
    findExpiring: statement(`SELECT DISTINCT l.user_id FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $2
      ORDER BY l.user_id LIMIT $3`),
    findExpiringAfter: statement(`SELECT DISTINCT l.user_id FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $2 AND l.user_id > $4
      ORDER BY l.user_id LIMIT $3`),
    listExpiring: statement(`WITH page AS (
        SELECT DISTINCT l.expires_at AS earliest, l.user_id FROM ${t.lots} l
        WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $3
          AND (l.expires_at, l.user_id) > ($5::bigint, $6::text)
          AND NOT EXISTS (SELECT 1 FROM ${t.lots} p WHERE p.program_id = $1
            AND p.user_id = l.user_id AND p.remaining > 0 AND p.expires_at < l.expires_at)
        ORDER BY l.expires_at, l.user_id LIMIT $4)
      SELECT page.earliest::text AS earliest, page.user_id,
        coalesce(w.coins, 0)::text AS coins, w.next::text AS next
      FROM page LEFT JOIN LATERAL (
        SELECT sum(m.remaining) AS coins, min(m.expires_at) AS next FROM ${t.lots} m
        WHERE m.program_id = $1 AND m.user_id = page.user_id AND m.remaining > 0
          AND m.expires_at > $2 AND m.expires_at <= $3) w ON true
      ORDER BY page.earliest, page.user_id`),
    budgetUsed: statement(`SELECT used::text AS used FROM ${t.budgets}
      WHERE program_id = $1 AND event_id = $2`),
    readFeed: statement(`SELECT e.tx::text AS tx, e.user_id::text AS user_id,
        ${columns(entryText("e"))} FROM ${t.entries} e
      WHERE e.program_id = $1
        AND (e.tx, e.user_id, e.seq) > ($2::text::xid8, $3::text, $4::bigint)
        AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY e.tx, e.user_id, e.seq LIMIT $5`),
    readLiability: statement(`SELECT ${TALLY_COLUMNS.map(
      (c) => `(coalesce(b.${c}, 0) + coalesce(d.${c}, 0))::text AS ${c}`,
    ).join(", ")}, d.n::text AS deltas,
        (SELECT coalesce(sum(l.remaining), 0) FROM ${t.lots} l
          WHERE l.program_id = $1 AND l.remaining > 0 AND l.available_at > l.earned_at
            AND l.available_at > $2)::text AS pending,
        (SELECT coalesce(sum(l.remaining), 0) FROM ${t.lots} l
          WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $2)::text AS due
      FROM (SELECT count(*) AS n, ${TALLY_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(", ")}
        FROM ${t.tallyDeltas} WHERE program_id = $1) d
      LEFT JOIN ${t.tallies} b ON b.program_id = $1`),
    compactTallies: statement(`WITH gone AS (
        DELETE FROM ${t.tallyDeltas} WHERE program_id = $1 RETURNING *)
      INSERT INTO ${t.tallies} AS b (program_id, ${TALLY_COLUMNS.join(", ")})
      SELECT $1, ${TALLY_COLUMNS.map((c) => `coalesce(sum(${c}), 0)`).join(", ")} FROM gone
      ON CONFLICT (program_id) DO UPDATE SET ${TALLY_COLUMNS.map(
        (c) => `${c} = b.${c} + excluded.${c}`,
      ).join(", ")}`),
    accountExists: statement(`SELECT 1 AS found FROM ${t.accounts}
      WHERE program_id = $1 AND user_id = $2`),
    erasureSetting: statement("SELECT set_config('coinage.erasure', $1::text, true) AS erasure"),
    moveAccount: statement(`WITH acc AS (
        UPDATE ${t.accounts} SET user_id = $3 WHERE program_id = $1 AND user_id = $2 RETURNING 1),
      lots AS (
        UPDATE ${t.lots} SET user_id = $3 WHERE program_id = $1 AND user_id = $2 RETURNING 1),
      entries AS (
        UPDATE ${t.entries} SET user_id = $3, reason = NULL
        WHERE program_id = $1 AND user_id = $2 RETURNING 1),
      usage AS (
        UPDATE ${t.usage} SET user_id = $3 WHERE program_id = $1 AND user_id = $2 RETURNING 1)
      SELECT (SELECT count(*) FROM acc)::int AS accounts, (SELECT count(*) FROM entries)::int AS entries`),
    requestsOfUser: statement(`SELECT ${columns(requestText("q"))} FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.user_id = $2 AND q.kind IS NOT NULL`),
    rewriteRequests: statement(`UPDATE ${t.requests} q SET user_id = x.u, fingerprint = x.f,
        result = x.r::jsonb
      FROM ${unnest(2, "x", [
        ["id", "text"],
        ["u", "text"],
        ["f", "text"],
        ["r", "text"],
      ])}
      WHERE q.program_id = $1 AND q.request_id = x.id`),
    lockAccount: statement(`SELECT 1 AS locked FROM ${t.accounts}
      WHERE program_id = $1 AND user_id = $2 FOR NO KEY UPDATE`),
    // A conflicting row is locked even when the WHERE rejects the update, so
    // after a refusal the budget can be re-read exactly and decided again.
    reserveBudget: statement(`INSERT INTO ${t.budgets} AS b (program_id, event_id, used)
      SELECT $1, $2, greatest($3::numeric, 0) WHERE $3::numeric <= 0 OR $3::numeric <= $4::numeric
      ON CONFLICT (program_id, event_id) DO UPDATE SET used = greatest(b.used + $3::numeric, 0)
      WHERE $3::numeric <= 0 OR b.used + $3::numeric <= $4::numeric
      RETURNING 1 AS ok`),
    createAccounts: statement(`INSERT INTO ${t.accounts} (program_id, user_id)
      SELECT x.p, x.u FROM ${unnest(1, "x", [
        ["p", "text"],
        ["u", "text"],
      ])}
      ORDER BY x.p COLLATE "C", x.u COLLATE "C"
      ON CONFLICT DO NOTHING`),
    // One primary-key lookup per account, in code point order (the order of
    // createAccounts too), so two batches never wait on each other in a cycle.
    lockAccounts: statement(`SELECT a.p, a.u FROM (
        SELECT * FROM ${unnest(1, "k", [
          ["p", "text"],
          ["u", "text"],
        ])} ORDER BY k.p COLLATE "C", k.u COLLATE "C"
      ) x CROSS JOIN LATERAL (
        SELECT program_id AS p, user_id AS u FROM ${t.accounts}
        WHERE program_id = x.p AND user_id = x.u FOR NO KEY UPDATE
      ) a`),
    createBudgets: statement(`INSERT INTO ${t.budgets} (program_id, event_id)
      SELECT x.p, x.e FROM ${unnest(1, "x", [
        ["p", "text"],
        ["e", "text"],
      ])}
      ORDER BY x.p COLLATE "C", x.e COLLATE "C"
      ON CONFLICT DO NOTHING`),
    lockBudgets: statement(`SELECT b.p, b.e, b.used FROM (
        SELECT * FROM ${unnest(1, "k", [
          ["p", "text"],
          ["e", "text"],
        ])} ORDER BY k.p COLLATE "C", k.e COLLATE "C"
      ) x CROSS JOIN LATERAL (
        SELECT program_id AS p, event_id AS e, used::text AS used FROM ${t.budgets}
        WHERE program_id = x.p AND event_id = x.e FOR NO KEY UPDATE
      ) b`),
  };
}
