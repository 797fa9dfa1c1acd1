/**
 * Every SQL statement the store runs, built once per schema. Values always
 * travel as parameters; lists travel as one JSON parameter each, unpacked in
 * SQL by `jsonb_to_recordset`, so a batch costs one round trip per step
 * whatever its size, and every client (pg or PGlite) serialises it the same.
 */

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
}

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
  };
}

/** `$n::text::jsonb`: a JSON parameter typed as text, so no client re-encodes it. */
const json = (n: number) => `$${n}::text::jsonb`;

// Rows travel as JSON arrays, aggregated into one value per kind: one row
// per statement, one JSON.parse per kind, whatever the client. Numerics as
// text (exact), bigints as JSON numbers (ids, seqs and epoch ms are safe integers).

/** [id, coins, remaining, earnedAt, availableAt, expiresAt, eventId, requestId, expired, shortfall] */
const LOT_ARRAY = `json_build_array(l.id, l.coins::text, l.remaining::text, l.earned_at, l.available_at,
  l.expires_at, l.event_id, l.request_id, l.expired::text, l.shortfall::text)`;

/** [requestId, kind, userId, fingerprint, at, result, coins, reversed, lotId, parts] */
const REQUEST_ARRAY = `json_build_array(q.request_id, q.kind, q.user_id, q.fingerprint, q.at, q.result,
  q.coins::text, q.reversed::text, q.lot_id, q.parts)`;

/** [seq, type, coins, balanceAfter, debtAfter, requestId, lots, eventId, at, reason] */
const ENTRY_ARRAY = `json_build_array(e.seq, e.type, e.coins::text, e.balance_after::text, e.debt_after::text,
  e.request_id, e.lots, e.event_id, e.at, e.reason)`;

export interface ReadParts {
  readonly lotIds: boolean;
  readonly usage: boolean;
  readonly requests: boolean;
  readonly budgets: boolean;
  readonly records: boolean;
}

export interface WriteParts {
  readonly lots: boolean;
  readonly entries: boolean;
  readonly usage: boolean;
  readonly requests: boolean;
  readonly drops: boolean;
  readonly budgets: boolean;
}

export interface Statements {
  readonly insertEvent: string;
  readonly replaceEvent: string;
  readonly getEvent: string;
  readonly listEvents: string;
  readonly listEventsAfter: string;
  readonly findRequest: string;
  readonly history: string;
  readonly historyBefore: string;
  readonly findExpiring: string;
  readonly findExpiringAfter: string;
  readonly budgetUsed: string;
  /** $1 program, $2 user, $3 request id, $4 fingerprint → claimed, locked. */
  readonly claimAndLock: string;
  /** $1 program, $2 user → locked. */
  readonly lockAccount: string;
  /** $1 program, $2 user → 1 row when this call created the account row. */
  readonly createAccount: string;
  /** $1 claims [{p, r, u, f}] → the (p, r) this transaction claimed. */
  readonly claimMany: string;
  /** $1 accounts [{p, u}] → creates the missing rows (in a fixed order). */
  readonly createAccounts: string;
  /** $1 accounts [{p, u}] → locks them in a fixed order. */
  readonly lockAccounts: string;
  /** $1 budgets [{p, e}] → creates missing rows, then locks and reads them in a fixed order. */
  readonly createBudgets: string;
  readonly lockBudgets: string;
  /**
   * $1 program, $2 event, $3 add, $4 limit → 1 row when the budget took the
   * coins. A negative add (a give-back) always applies, and never takes the
   * counter below 0.
   */
  readonly reserveBudget: string;
  /** See `readState` below; only the parts asked for are in the statement. */
  readonly readState: (parts: ReadParts) => string;
  /** See `writeChanges` below; only the parts asked for are in the statement. */
  readonly writeChanges: (parts: WriteParts) => string;
}

export function statements(schema: string | undefined): Statements {
  const t = tables(schema);
  return {
    insertEvent: `INSERT INTO ${t.events} (program_id, event_id, version, body)
      VALUES ($1, $2, $3, ${json(4)}) ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
    replaceEvent: `UPDATE ${t.events} SET version = $3, body = ${json(4)}
      WHERE program_id = $1 AND event_id = $2 AND version = $5 RETURNING 1 AS ok`,
    getEvent: `SELECT version, body FROM ${t.events} WHERE program_id = $1 AND event_id = $2`,
    listEvents: `SELECT version, body FROM ${t.events} WHERE program_id = $1
      ORDER BY event_id LIMIT $2`,
    listEventsAfter: `SELECT version, body FROM ${t.events} WHERE program_id = $1 AND event_id > $3
      ORDER BY event_id LIMIT $2`,
    findRequest: `SELECT ${REQUEST_ARRAY} AS d FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = $2 AND q.kind IS NOT NULL`,
    history: `SELECT coalesce(json_agg(${ENTRY_ARRAY} ORDER BY e.seq DESC), '[]') AS d FROM (
        SELECT * FROM ${t.entries} WHERE program_id = $1 AND user_id = $2 ORDER BY seq DESC LIMIT $3
      ) e`,
    historyBefore: `SELECT coalesce(json_agg(${ENTRY_ARRAY} ORDER BY e.seq DESC), '[]') AS d FROM (
        SELECT * FROM ${t.entries} WHERE program_id = $1 AND user_id = $2 AND seq < $4 ORDER BY seq DESC LIMIT $3
      ) e`,
    findExpiring: `SELECT DISTINCT l.user_id FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $2
      ORDER BY l.user_id LIMIT $3`,
    findExpiringAfter: `SELECT DISTINCT l.user_id FROM ${t.lots} l
      WHERE l.program_id = $1 AND l.remaining > 0 AND l.expires_at <= $2 AND l.user_id > $4
      ORDER BY l.user_id LIMIT $3`,
    budgetUsed: `SELECT used::text AS used FROM ${t.budgets} WHERE program_id = $1 AND event_id = $2`,

    // The claim runs first (it may wait for another transaction holding the
    // same request id); the account is locked only when the claim succeeded:
    // the lock's condition reads the claim, which forces that order.
    claimAndLock: `WITH claim AS (
        INSERT INTO ${t.requests} (program_id, request_id, user_id, fingerprint)
        VALUES ($1, $3, $2, $4) ON CONFLICT DO NOTHING RETURNING 1
      ), locked AS (
        SELECT 1 FROM ${t.accounts}
        WHERE program_id = $1 AND user_id = $2 AND EXISTS (SELECT 1 FROM claim)
        FOR NO KEY UPDATE
      )
      SELECT EXISTS (SELECT 1 FROM claim) AS claimed, EXISTS (SELECT 1 FROM locked) AS locked`,
    lockAccount: `SELECT 1 AS locked FROM ${t.accounts} WHERE program_id = $1 AND user_id = $2 FOR NO KEY UPDATE`,
    createAccount: `INSERT INTO ${t.accounts} (program_id, user_id) VALUES ($1, $2)
      ON CONFLICT DO NOTHING RETURNING 1 AS created`,

    claimMany: `INSERT INTO ${t.requests} (program_id, request_id, user_id, fingerprint)
      SELECT x.p, x.r, x.u, x.f FROM jsonb_to_recordset(${json(1)}) AS x(p text, r text, u text, f text)
      ORDER BY x.p COLLATE "C", x.r COLLATE "C"
      ON CONFLICT DO NOTHING RETURNING program_id AS p, request_id AS r`,
    createAccounts: `INSERT INTO ${t.accounts} (program_id, user_id)
      SELECT x.p, x.u FROM jsonb_to_recordset(${json(1)}) AS x(p text, u text)
      ORDER BY x.p COLLATE "C", x.u COLLATE "C"
      ON CONFLICT DO NOTHING`,
    lockAccounts: `SELECT a.program_id AS p, a.user_id AS u FROM ${t.accounts} a
      JOIN jsonb_to_recordset(${json(1)}) AS x(p text, u text) ON a.program_id = x.p AND a.user_id = x.u
      ORDER BY a.program_id, a.user_id
      FOR NO KEY UPDATE OF a`,
    createBudgets: `INSERT INTO ${t.budgets} (program_id, event_id)
      SELECT x.p, x.e FROM jsonb_to_recordset(${json(1)}) AS x(p text, e text)
      ORDER BY x.p COLLATE "C", x.e COLLATE "C"
      ON CONFLICT DO NOTHING`,
    lockBudgets: `SELECT b.program_id AS p, b.event_id AS e, b.used::text AS used FROM ${t.budgets} b
      JOIN jsonb_to_recordset(${json(1)}) AS x(p text, e text) ON b.program_id = x.p AND b.event_id = x.e
      ORDER BY b.program_id, b.event_id
      FOR NO KEY UPDATE OF b`,
    // A conflicting row is locked even when the WHERE rejects the update, so
    // after a refusal the budget can be re-read exactly and decided again.
    reserveBudget: `INSERT INTO ${t.budgets} AS b (program_id, event_id, used)
      SELECT $1, $2, greatest($3::numeric, 0) WHERE $3::numeric <= 0 OR $3::numeric <= $4::numeric
      ON CONFLICT (program_id, event_id) DO UPDATE SET used = greatest(b.used + $3::numeric, 0)
      WHERE $3::numeric <= 0 OR b.used + $3::numeric <= $4::numeric
      RETURNING 1 AS ok`,

    readState: (parts) => readState(t, parts),
    writeChanges: (parts) => writeChanges(t, parts),
  };
}

function memo<P extends object>(build: (parts: P) => string): (parts: P) => string {
  const cache = new Map<string, string>();
  return (parts) => {
    const key = Object.values(parts)
      .map((on) => (on ? "1" : "0"))
      .join("");
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const text = build(parts);
    cache.set(key, text);
    return text;
  };
}

const readCache = new WeakMap<Tables, (parts: ReadParts) => string>();
const writeCache = new WeakMap<Tables, (parts: WriteParts) => string>();

/**
 * One statement, so one snapshot: the state of one or more accounts, as one
 * row of JSON arrays. Parameters (all JSON lists, `[]` when unused):
 * $1 accounts [{p, u}], then, numbered in this order and only for the
 * parts asked for: lots by id [{p, u, id}], usage [{p, u, k}], requests of
 * the accounts [{p, u, r}], budgets [{p, e}], committed records by id [{p, r}]
 * (for replays).
 */
function readState(t: Tables, parts: ReadParts): string {
  let build = readCache.get(t);
  if (build === undefined) {
    build = memo((p: ReadParts) => {
      let n = 1;
      const next = () => json(++n);
      const none = `'[]'::json`;
      const agg = (expr: string, from: string) =>
        `(SELECT coalesce(json_agg(${expr}), '[]') ${from})`;
      return `WITH k AS (SELECT x.p, x.u FROM jsonb_to_recordset(${json(1)}) AS x(p text, u text))
      SELECT
        ${agg(
          "json_build_array(a.program_id, a.user_id, a.version, a.debt::text, a.next_lot_id, a.next_entry_seq)",
          `FROM k JOIN ${t.accounts} a ON a.program_id = k.p AND a.user_id = k.u`,
        )} AS accounts,
        ${agg(
          `json_build_array(l.program_id, l.user_id, ${LOT_ARRAY})`,
          `FROM k CROSS JOIN LATERAL (
            SELECT * FROM ${t.lots} o WHERE o.program_id = k.p AND o.user_id = k.u AND o.remaining > 0
          ) l`,
        )} AS lots,
        ${
          p.lotIds
            ? agg(
                `json_build_array(l.program_id, l.user_id, ${LOT_ARRAY})`,
                `FROM jsonb_to_recordset(${next()}) AS x(p text, u text, id bigint)
                JOIN ${t.lots} l ON l.program_id = x.p AND l.user_id = x.u AND l.id = x.id`,
              )
            : none
        } AS lots_by_id,
        ${
          p.usage
            ? agg(
                "json_build_array(g.program_id, g.user_id, g.key, g.used::text)",
                `FROM jsonb_to_recordset(${next()}) AS x(p text, u text, k text)
                JOIN ${t.usage} g ON g.program_id = x.p AND g.user_id = x.u AND g.key = x.k`,
              )
            : none
        } AS usage,
        ${
          p.requests
            ? agg(
                `json_build_array(q.program_id, ${REQUEST_ARRAY})`,
                `FROM jsonb_to_recordset(${next()}) AS x(p text, u text, r text)
                JOIN ${t.requests} q ON q.program_id = x.p AND q.request_id = x.r AND q.user_id = x.u
                WHERE q.kind IS NOT NULL`,
              )
            : none
        } AS requests,
        ${
          p.budgets
            ? agg(
                "json_build_array(b.program_id, b.event_id, b.used::text)",
                `FROM jsonb_to_recordset(${next()}) AS x(p text, e text)
                JOIN ${t.budgets} b ON b.program_id = x.p AND b.event_id = x.e`,
              )
            : none
        } AS budgets,
        ${
          p.records
            ? agg(
                `json_build_array(q.program_id, ${REQUEST_ARRAY})`,
                `FROM jsonb_to_recordset(${next()}) AS x(p text, r text)
                JOIN ${t.requests} q ON q.program_id = x.p AND q.request_id = x.r
                WHERE q.kind IS NOT NULL`,
              )
            : none
        } AS records`;
    });
    readCache.set(t, build);
  }
  return build(parts);
}

/**
 * Every write of one or more decided commands, in one statement.
 * $1 accounts, then, numbered in this order and only for the parts asked
 * for: lots, entries, usage, request records, claims to drop, budget
 * additions (JSON lists). Returns how many rows each part touched.
 */
function writeChanges(t: Tables, parts: WriteParts): string {
  let build = writeCache.get(t);
  if (build === undefined) {
    build = memo((p: WriteParts) => {
      let n = 1;
      const next = () => json(++n);
      const ctes = [
        `acc AS (
        UPDATE ${t.accounts} a SET version = x.version, debt = x.debt,
          next_lot_id = x.next_lot_id, next_entry_seq = x.next_entry_seq
        FROM jsonb_to_recordset(${json(1)})
          AS x(p text, u text, version bigint, debt numeric, next_lot_id bigint, next_entry_seq bigint)
        WHERE a.program_id = x.p AND a.user_id = x.u
        RETURNING 1
      )`,
      ];
      const counts = ["(SELECT count(*) FROM acc)::int AS accounts"];
      const add = (on: boolean, name: string, cte: () => string) => {
        if (on) {
          ctes.push(`${name} AS (${cte()})`);
          counts.push(`(SELECT count(*) FROM ${name})::int AS ${name}`);
        } else {
          counts.push(`0 AS ${name}`);
        }
      };
      add(
        p.lots,
        "lots",
        () => `INSERT INTO ${t.lots} AS l (program_id, user_id, id, coins, remaining, earned_at, available_at,
          expires_at, event_id, request_id, expired, shortfall)
        SELECT x.p, x.u, x.id, x.coins, x.remaining, x.earned_at, x.available_at, x.expires_at,
          x.event_id, x.request_id, x.expired, x.shortfall
        FROM jsonb_to_recordset(${next()}) AS x(p text, u text, id bigint, coins numeric,
          remaining numeric, earned_at bigint, available_at bigint, expires_at bigint,
          event_id text, request_id text, expired numeric, shortfall numeric)
        ON CONFLICT (program_id, user_id, id) DO UPDATE SET remaining = excluded.remaining,
          expired = excluded.expired, shortfall = excluded.shortfall
        RETURNING 1`,
      );
      add(
        p.entries,
        "entries",
        () => `INSERT INTO ${t.entries} (program_id, user_id, seq, type, coins, balance_after, debt_after,
          request_id, lots, event_id, at, reason)
        SELECT x.p, x.u, x.seq, x.type, x.coins, x.balance_after, x.debt_after, x.request_id,
          x.lots, x.event_id, x.at, x.reason
        FROM jsonb_to_recordset(${next()}) AS x(p text, u text, seq bigint, type text, coins numeric,
          balance_after numeric, debt_after numeric, request_id text, lots jsonb, event_id text,
          at bigint, reason text)
        RETURNING 1`,
      );
      add(
        p.usage,
        "usage",
        () => `INSERT INTO ${t.usage} (program_id, user_id, key, used)
        SELECT x.p, x.u, x.k, x.used FROM jsonb_to_recordset(${next()}) AS x(p text, u text, k text, used numeric)
        ON CONFLICT (program_id, user_id, key) DO UPDATE SET used = excluded.used
        RETURNING 1`,
      );
      add(
        p.requests,
        "requests",
        () => `INSERT INTO ${t.requests} AS q (program_id, request_id, user_id, fingerprint, kind, at, result,
          coins, reversed, lot_id, parts)
        SELECT x.p, x.r, x.user_id, x.fingerprint, x.kind, x.at, x.result, x.coins, x.reversed,
          x.lot_id, x.parts
        FROM jsonb_to_recordset(${next()}) AS x(p text, r text, user_id text, fingerprint text,
          kind text, at bigint, result jsonb, coins numeric, reversed numeric, lot_id bigint, parts jsonb)
        ON CONFLICT (program_id, request_id) DO UPDATE SET user_id = excluded.user_id,
          fingerprint = excluded.fingerprint, kind = excluded.kind, at = excluded.at,
          result = excluded.result, coins = excluded.coins, reversed = excluded.reversed,
          lot_id = excluded.lot_id, parts = excluded.parts
        WHERE q.kind IS NULL OR q.user_id = excluded.user_id
        RETURNING 1`,
      );
      add(
        p.drops,
        "dropped",
        () => `DELETE FROM ${t.requests} q USING jsonb_to_recordset(${next()}) AS x(p text, r text)
        WHERE q.program_id = x.p AND q.request_id = x.r AND q.kind IS NULL
        RETURNING 1`,
      );
      add(
        p.budgets,
        "budgets",
        () => `UPDATE ${t.budgets} b SET used = greatest(b.used + x.add, 0)
        FROM jsonb_to_recordset(${next()}) AS x(p text, e text, add numeric, lim numeric)
        WHERE b.program_id = x.p AND b.event_id = x.e AND (x.add <= 0 OR b.used + x.add <= x.lim)
        RETURNING 1`,
      );
      return `WITH ${ctes.join(",\n      ")}\n      SELECT ${counts.join(", ")}`;
    });
    writeCache.set(t, build);
  }
  return build(parts);
}
