/**
 * `listExpiring`: accounts by their earliest open expiry, from the expiry
 * index's stripes (see `expiry.ts`), and per account its open lots expiring
 * in `(now, before]` from its FIFO index. Each stripe answers its first
 * `limit` entries after the cursor (`(earliest, user)`, ties skipped inside
 * the script); the merge of those is the page. A page costs its `limit`
 * entries per stripe and the lots listed, not the program's accounts.
 *
 * The index holds a lower bound of an account's earliest expiry for the
 * moment between a commit that brings it forward and the exact value written
 * after it; the page order is the index's.
 */
import type { ExpiringAccount, ExpiringPage } from "@coinage/core";
import { addDecimalStrings } from "@coinage/core";
import type { Context } from "./context.js";
import { fromOrderedMember, orderedMember, type ProgramKeys } from "./keys.js";
import { parseLot } from "./reads.js";
import { script } from "./scripts/script.js";

const OP = "listExpiring";

/**
 * KEYS: one expiry stripe. ARGV: earliest, member after which to start (at
 * that earliest; "" for none), before, limit. Answers member, score pairs in
 * (score, member) order, at most `limit` of them.
 */
const walkStripe = script(
  "walk-expiring",
  `
local e0 = tonumber(ARGV[1])
local m0 = ARGV[2]
local limit = tonumber(ARGV[4])
local out = {}
local offset = 0
while true do
  local rows = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[3], 'WITHSCORES', 'LIMIT', offset, limit)
  for i = 1, #rows, 2 do
    if tonumber(rows[i + 1]) > e0 or rows[i] > m0 then
      out[#out + 1] = rows[i]
      out[#out + 1] = rows[i + 1]
      if #out >= 2 * limit then return out end
    end
  end
  if #rows < 2 * limit then return out end
  offset = offset + limit
end
`,
);

/** KEYS: account fifo, account lots. ARGV: now, before. The open lots with now < expiresAt <= before, as JSON. */
const lotsWithin = script(
  "lots-expiring-within",
  `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], ARGV[2])
local out = {}
for i = 1, #members do
  local id = string.match(members[i], ':(%d+)$')
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return out
`,
);

export async function listExpiring(
  ctx: Context,
  keys: ProgramKeys,
  page: ExpiringPage,
): Promise<ExpiringAccount[]> {
  if (page.limit <= 0) return [];
  const e0 = String(page.after?.earliest ?? Number.MIN_SAFE_INTEGER);
  const m0 = page.after === undefined ? "" : orderedMember(page.after.userId);
  const walked = await Promise.all(
    keys.expiryStripes.map(
      (stripe) =>
        ctx.scripts.run(
          OP,
          walkStripe,
          [stripe.index],
          [e0, m0, String(page.before), page.limit],
        ) as Promise<string[]>,
    ),
  );
  const candidates = new Map<string, number>();
  for (const rows of walked) {
    for (let i = 0; i < rows.length; i += 2) {
      const member = rows[i] as string;
      const earliest = Number(rows[i + 1]);
      const known = candidates.get(member);
      if (known === undefined || earliest < known) candidates.set(member, earliest);
    }
  }
  const chosen = [...candidates.entries()]
    .sort(([ma, a], [mb, b]) => a - b || (ma < mb ? -1 : ma > mb ? 1 : 0))
    .slice(0, page.limit);
  return Promise.all(
    chosen.map(async ([member, earliest]) => {
      const userId = fromOrderedMember(member);
      const account = keys.account(userId);
      const rows = (await ctx.scripts.run(
        OP,
        lotsWithin,
        [account.fifo, account.lots],
        [String(page.now), String(page.before)],
      )) as string[];
      let coins = "0";
      let next: number | null = null;
      for (const json of rows) {
        if (json === "") continue;
        const lot = parseLot(json);
        coins = addDecimalStrings(coins, lot.remaining);
        if (lot.expiresAt !== null && (next === null || lot.expiresAt < next)) next = lot.expiresAt;
      }
      return { userId, earliest, coins, next };
    }),
  );
}
