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

const LOT_JSON = `jsonb_build_object(
  'id', l.id, 'coins', l.coins::text, 'remaining', l.remaining::text,
  'earnedAt', l.earned_at, 'availableAt', l.available_at, 'expiresAt', l.expires_at,
  'eventId', l.event_id, 'requestId', l.request_id)`;

const REQUEST_JSON = `jsonb_build_object(
  'requestId', q.request_id, 'kind', q.kind, 'userId', q.user_id, 'fingerprint', q.fingerprint,
  'at', q.at, 'result', q.result, 'coins', q.coins::text, 'reversed', q.reversed::text,
  'lotId', q.lot_id, 'parts', q.parts)`;

const ENTRY_JSON = `jsonb_build_object(
  'seq', e.seq, 'type', e.type, 'coins', e.coins::text, 'balanceAfter', e.balance_after::text,
  'debtAfter', e.debt_after::text, 'requestId', e.request_id, 'lots', e.lots, 'eventId', e.event_id,
  'at', e.at, 'reason', e.reason)`;

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
  /** $1 program, $2 event, $3 add, $4 limit → 1 row when the budget took the coins. */
  readonly reserveBudget: string;
  /** See `readState`. */
  readonly readState: string;
  /** See `writeChanges`. */
  readonly writeChanges: string;
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
    findRequest: `SELECT ${REQUEST_JSON} AS d FROM ${t.requests} q
      WHERE q.program_id = $1 AND q.request_id = $2 AND q.kind IS NOT NULL`,
    history: `SELECT ${ENTRY_JSON} AS d FROM ${t.entries} e
      WHERE e.program_id = $1 AND e.user_id = $2 ORDER BY e.seq DESC LIMIT $3`,
    historyBefore: `SELECT ${ENTRY_JSON} AS d FROM ${t.entries} e
      WHERE e.program_id = $1 AND e.user_id = $2 AND e.seq < $4 ORDER BY e.seq DESC LIMIT $3`,
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
      SELECT $1, $2, $3::numeric WHERE $3::numeric <= $4::numeric
      ON CONFLICT (program_id, event_id) DO UPDATE SET used = b.used + excluded.used
      WHERE b.used + excluded.used <= $4::numeric
      RETURNING 1 AS ok`,

    // One statement, so one snapshot: the state of several accounts.
    // $1 accounts [{p, u}]; $2 lots by id [{p, u, id}]; $3 usage [{p, u, k}];
    // $4 requests of the accounts [{p, u, r}]; $5 budgets [{p, e}];
    // $6 committed records by id [{p, r}] (for replays).
    readState: `WITH k AS (SELECT x.p, x.u FROM jsonb_to_recordset(${json(1)}) AS x(p text, u text))
      SELECT 'account' AS kind, a.program_id AS p, a.user_id AS u, jsonb_build_object(
          'version', a.version, 'debt', a.debt::text, 'nextLotId', a.next_lot_id,
          'nextEntrySeq', a.next_entry_seq) AS d
        FROM k JOIN ${t.accounts} a ON a.program_id = k.p AND a.user_id = k.u
      UNION ALL
      SELECT 'lot', l.program_id, l.user_id, ${LOT_JSON}
        FROM k CROSS JOIN LATERAL (
          SELECT * FROM ${t.lots} o WHERE o.program_id = k.p AND o.user_id = k.u AND o.remaining > 0
        ) l
      UNION ALL
      SELECT 'lot', l.program_id, l.user_id, ${LOT_JSON}
        FROM jsonb_to_recordset(${json(2)}) AS x(p text, u text, id bigint)
        JOIN ${t.lots} l ON l.program_id = x.p AND l.user_id = x.u AND l.id = x.id
      UNION ALL
      SELECT 'usage', g.program_id, g.user_id, jsonb_build_object('key', g.key, 'used', g.used::text)
        FROM jsonb_to_recordset(${json(3)}) AS x(p text, u text, k text)
        JOIN ${t.usage} g ON g.program_id = x.p AND g.user_id = x.u AND g.key = x.k
      UNION ALL
      SELECT 'request', q.program_id, q.user_id, ${REQUEST_JSON}
        FROM jsonb_to_recordset(${json(4)}) AS x(p text, u text, r text)
        JOIN ${t.requests} q ON q.program_id = x.p AND q.request_id = x.r AND q.user_id = x.u
        WHERE q.kind IS NOT NULL
      UNION ALL
      SELECT 'budget', b.program_id, b.event_id, jsonb_build_object('used', b.used::text)
        FROM jsonb_to_recordset(${json(5)}) AS x(p text, e text)
        JOIN ${t.budgets} b ON b.program_id = x.p AND b.event_id = x.e
      UNION ALL
      SELECT 'record', q.program_id, q.request_id, ${REQUEST_JSON}
        FROM jsonb_to_recordset(${json(6)}) AS x(p text, r text)
        JOIN ${t.requests} q ON q.program_id = x.p AND q.request_id = x.r
        WHERE q.kind IS NOT NULL`,

    // Every write of one or more decided commands, in one statement.
    // $1 accounts, $2 lots, $3 entries, $4 usage, $5 request records,
    // $6 claims to drop, $7 budget additions; returns how many rows each touched.
    writeChanges: `WITH
      acc AS (
        UPDATE ${t.accounts} a SET version = x.version, debt = x.debt,
          next_lot_id = x.next_lot_id, next_entry_seq = x.next_entry_seq
        FROM jsonb_to_recordset(${json(1)})
          AS x(p text, u text, version bigint, debt numeric, next_lot_id bigint, next_entry_seq bigint)
        WHERE a.program_id = x.p AND a.user_id = x.u
        RETURNING 1
      ),
      lot AS (
        INSERT INTO ${t.lots} AS l (program_id, user_id, id, coins, remaining, earned_at, available_at,
          expires_at, event_id, request_id)
        SELECT x.p, x.u, x.id, x.coins, x.remaining, x.earned_at, x.available_at, x.expires_at,
          x.event_id, x.request_id
        FROM jsonb_to_recordset(${json(2)}) AS x(p text, u text, id bigint, coins numeric,
          remaining numeric, earned_at bigint, available_at bigint, expires_at bigint,
          event_id text, request_id text)
        ON CONFLICT (program_id, user_id, id) DO UPDATE SET remaining = excluded.remaining
        RETURNING 1
      ),
      ent AS (
        INSERT INTO ${t.entries} (program_id, user_id, seq, type, coins, balance_after, debt_after,
          request_id, lots, event_id, at, reason)
        SELECT x.p, x.u, x.seq, x.type, x.coins, x.balance_after, x.debt_after, x.request_id,
          x.lots, x.event_id, x.at, x.reason
        FROM jsonb_to_recordset(${json(3)}) AS x(p text, u text, seq bigint, type text, coins numeric,
          balance_after numeric, debt_after numeric, request_id text, lots jsonb, event_id text,
          at bigint, reason text)
        ORDER BY x.p, x.u, x.seq
        RETURNING 1
      ),
      usg AS (
        INSERT INTO ${t.usage} (program_id, user_id, key, used)
        SELECT x.p, x.u, x.k, x.used FROM jsonb_to_recordset(${json(4)}) AS x(p text, u text, k text, used numeric)
        ON CONFLICT (program_id, user_id, key) DO UPDATE SET used = excluded.used
        RETURNING 1
      ),
      req AS (
        INSERT INTO ${t.requests} AS q (program_id, request_id, user_id, fingerprint, kind, at, result,
          coins, reversed, lot_id, parts)
        SELECT x.p, x.r, x.user_id, x.fingerprint, x.kind, x.at, x.result, x.coins, x.reversed,
          x.lot_id, x.parts
        FROM jsonb_to_recordset(${json(5)}) AS x(p text, r text, user_id text, fingerprint text,
          kind text, at bigint, result jsonb, coins numeric, reversed numeric, lot_id bigint, parts jsonb)
        ON CONFLICT (program_id, request_id) DO UPDATE SET user_id = excluded.user_id,
          fingerprint = excluded.fingerprint, kind = excluded.kind, at = excluded.at,
          result = excluded.result, coins = excluded.coins, reversed = excluded.reversed,
          lot_id = excluded.lot_id, parts = excluded.parts
        WHERE q.kind IS NULL OR q.user_id = excluded.user_id
        RETURNING 1
      ),
      drop_claim AS (
        DELETE FROM ${t.requests} q USING jsonb_to_recordset(${json(6)}) AS x(p text, r text)
        WHERE q.program_id = x.p AND q.request_id = x.r AND q.kind IS NULL
        RETURNING 1
      ),
      bud AS (
        UPDATE ${t.budgets} b SET used = b.used + x.add
        FROM jsonb_to_recordset(${json(7)}) AS x(p text, e text, add numeric, lim numeric)
        WHERE b.program_id = x.p AND b.event_id = x.e AND b.used + x.add <= x.lim
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM acc)::int AS accounts, (SELECT count(*) FROM req)::int AS requests,
        (SELECT count(*) FROM bud)::int AS budgets, (SELECT count(*) FROM lot)::int AS lots,
        (SELECT count(*) FROM ent)::int AS entries, (SELECT count(*) FROM usg)::int AS usage,
        (SELECT count(*) FROM drop_claim)::int AS dropped`,
  };
}
