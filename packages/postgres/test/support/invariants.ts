/** Invariants checked by reading the tables directly. */
import type { Fixture } from "./server.js";

export interface InvariantReport {
  readonly accounts: number;
  readonly problems: readonly string[];
}

/**
 * Per account: entries sum to (remaining coins of all lots − debt), the last
 * entry's balance matches, entry seqs are 1..n without gaps and below
 * next_entry_seq, lot ids are below next_lot_id; no lot below 0 or above its
 * coins; every committed request record complete; no claim left behind; FIFO
 * (with never-expiring lots): at most one partly spent lot, and every lot
 * before it fully spent (when `fifo` is set: the workload only allocates and redeems).
 */
export async function checkInvariants(
  fixture: Fixture,
  programId: string,
  options: { fifo?: boolean } = {},
): Promise<InvariantReport> {
  const problems: string[] = [];
  const accounts = await fixture.sql(
    `SELECT a.user_id, a.debt::text AS debt, a.next_lot_id::int AS next_lot_id, a.next_entry_seq::int AS next_entry_seq,
       (SELECT coalesce(sum(coins), 0)::text FROM coinage_entries e WHERE e.program_id = a.program_id AND e.user_id = a.user_id) AS entry_sum,
       (SELECT count(*)::int FROM coinage_entries e WHERE e.program_id = a.program_id AND e.user_id = a.user_id) AS entry_count,
       (SELECT coalesce(max(seq), 0)::int FROM coinage_entries e WHERE e.program_id = a.program_id AND e.user_id = a.user_id) AS max_seq,
       (SELECT balance_after::text FROM coinage_entries e WHERE e.program_id = a.program_id AND e.user_id = a.user_id ORDER BY seq DESC LIMIT 1) AS last_balance,
       (SELECT coalesce(sum(remaining), 0)::text FROM coinage_lots l WHERE l.program_id = a.program_id AND l.user_id = a.user_id) AS remaining,
       (SELECT coalesce(max(id), 0)::int FROM coinage_lots l WHERE l.program_id = a.program_id AND l.user_id = a.user_id) AS max_lot
     FROM coinage_accounts a WHERE a.program_id = $1`,
    [programId],
  );
  for (const a of accounts) {
    const held = Number(a.remaining) - Number(a.debt);
    if (Number(a.entry_sum) !== held)
      problems.push(`${a.user_id}: entries sum ${a.entry_sum} but lots − debt = ${held}`);
    if (a.last_balance !== null && Number(a.last_balance) !== held) {
      problems.push(`${a.user_id}: last balance_after ${a.last_balance} but lots − debt = ${held}`);
    }
    if (a.entry_count !== a.max_seq)
      problems.push(`${a.user_id}: ${a.entry_count} entries but max seq ${a.max_seq}`);
    if (Number(a.max_seq) >= Number(a.next_entry_seq))
      problems.push(`${a.user_id}: seq ${a.max_seq} >= next ${a.next_entry_seq}`);
    if (Number(a.max_lot) >= Number(a.next_lot_id))
      problems.push(`${a.user_id}: lot ${a.max_lot} >= next ${a.next_lot_id}`);
  }
  const [bad] = await fixture.sql(
    `SELECT
       (SELECT count(*)::int FROM coinage_lots WHERE program_id = $1 AND (remaining < 0 OR remaining > coins)) AS bad_lots,
       (SELECT count(*)::int FROM coinage_requests WHERE program_id = $1 AND kind IS NULL) AS claims,
       (SELECT count(*)::int FROM (SELECT request_id FROM coinage_entries WHERE program_id = $1 AND request_id IS NOT NULL
          GROUP BY user_id, request_id HAVING count(*) > 1) d) AS duplicated`,
    [programId],
  );
  if (bad?.bad_lots !== 0) problems.push(`${bad?.bad_lots} lots out of range`);
  if (bad?.claims !== 0) problems.push(`${bad?.claims} claims left uncompleted`);
  if (bad?.duplicated !== 0) problems.push(`${bad?.duplicated} request ids booked more than once`);
  if (options.fifo) {
    const lots = await fixture.sql(
      `SELECT user_id, id::int AS id, coins::text AS coins, remaining::text AS remaining FROM coinage_lots
       WHERE program_id = $1 AND expires_at IS NULL ORDER BY user_id, earned_at, id`,
      [programId],
    );
    const byUser = new Map<string, { id: number; coins: number; remaining: number }[]>();
    for (const lot of lots) {
      const list = byUser.get(String(lot.user_id)) ?? [];
      list.push({ id: Number(lot.id), coins: Number(lot.coins), remaining: Number(lot.remaining) });
      byUser.set(String(lot.user_id), list);
    }
    for (const [user, list] of byUser) {
      // Spent lots first, then at most one partly spent, then untouched ones.
      let phase = 0;
      for (const lot of list) {
        const state = lot.remaining === 0 ? 0 : lot.remaining < lot.coins ? 1 : 2;
        if (state < phase || (state === 1 && phase === 1)) {
          problems.push(`${user}: lot ${lot.id} breaks FIFO`);
          break;
        }
        phase = state === 1 ? 2 : Math.max(phase, state);
      }
    }
  }
  return { accounts: accounts.length, problems };
}

/**
 * Every redemption consumed its lots in FIFO order: earliest expiry (never
 * last), then earliest earned, then lot id. Returns the offending request ids.
 */
export async function redemptionsOutOfOrder(
  fixture: Fixture,
  programId: string,
): Promise<string[]> {
  const rows = await fixture.sql(
    `WITH parts AS (
       SELECT q.request_id, q.user_id, p.ord, (p.part ->> 'lotId')::bigint AS lot_id
       FROM coinage_requests q CROSS JOIN LATERAL jsonb_array_elements(q.parts) WITH ORDINALITY AS p(part, ord)
       WHERE q.program_id = $1 AND q.kind = 'redeem'
     ), ranked AS (
       SELECT parts.request_id, parts.ord,
         row_number() OVER (PARTITION BY parts.request_id ORDER BY l.expires_at NULLS LAST, l.earned_at, l.id) AS fifo
       FROM parts JOIN coinage_lots l ON l.program_id = $1 AND l.user_id = parts.user_id AND l.id = parts.lot_id
     )
     SELECT DISTINCT request_id FROM ranked WHERE ord <> fifo`,
    [programId],
  );
  return rows.map((row) => String(row.request_id));
}
