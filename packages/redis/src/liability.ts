/**
 * The program's liability totals (`Store.readLiability`).
 *
 * Totals. They are kept per expiry stripe, in the stripe's slot
 * (`{<p>#<k>}:liability`, a hash of exact decimal strings), by the change
 * feed's publish script (see `feed.ts`): it sees every committed entry
 * exactly once, in each account's seq order. For each entry it appends to
 * the stream it adds the entry's coins to the counter of its type (earned,
 * redeemed, expired, reversed, restored as positive; adjusted signed: core's
 * `tallyOf`). Open coins and debt: every entry carries `balanceAfter` (open
 * minus debt after it) and `debtAfter`; the stripe keeps per user its open
 * coins and debt after its last published entry (`…:liability-balances`),
 * and a publication adds the change since then to `open` and `debt`. Every
 * change to an account's open coins or its debt comes with an entry (core's
 * ledger writes one for each movement of lot coins and of debt), so the
 * counters follow every commit. `HINCRBYFLOAT` is a double: the counters are
 * added in Lua on decimal strings instead (base-10^7 limbs, exact at any
 * size; see `scripts/liability.ts`). No commit touches a program-wide key,
 * and the counters cost no round trip of their own: they ride on the
 * publication.
 *
 * So the totals count what the feed published. `readLiability` first runs
 * the feed's repair (marks older than `feedGraceMs`: their users' committed
 * history is published), so every entry whose command committed and whose
 * mark is older than the grace period is counted, as the feed guarantees;
 * a command that committed in the last `feedGraceMs` and is still
 * publishing may be missing for that long (its open coins with it, so the
 * conservation law holds). Entries committed before this version are
 * counted when their account next commits (the feed publishes them then).
 *
 * Pending at `at` (remaining coins of open lots with `availableAt > at`):
 * per stripe, a sorted set of users (`…:liability-pending`) scored by the
 * latest availableAt among their lots pending at their commit, raised only
 * (`ZADD GT`) by the same publication (the command knows its change's lots;
 * a publication that reads a gap from history also reads the account's
 * latest availableAt). `readLiability` reads the users scored above `at`
 * and, per user, sums its open lots by its `avail` index; so its cost is
 * the accounts holding pending lots, never all accounts. A user whose score
 * is at or below both `at` and the stripe's latest commit instant leaves the
 * set then (reads are never before the latest commit).
 *
 * Due at `at` (remaining coins of open lots with `expiresAt <= at` that no
 * sweep has written off): the expiry index (accounts by earliest expiry,
 * per stripe, and the index of version 0.1), per account due its open lots
 * by its `fifo` index up to `at`.
 *
 * Cluster: every script touches the keys of one slot: a stripe's (totals,
 * pending index, expiry index, feed marks) or an account's.
 */
import {
  type AccountChange,
  addDecimalStrings,
  type LiabilityFigures,
  type Lot,
  type ProgramTally,
  TALLY_FIELDS,
  ZERO_TALLY,
} from "@coinage/core";
import type { Context } from "./context.js";
import { REPAIR_PER_STRIPE, repair } from "./feed.js";
import { EXPIRY_STRIPES, type ExpiryKeys, fromOrderedMember, type ProgramKeys } from "./keys.js";
import { isOpen } from "./lot-index.js";
import * as lua from "./scripts/liability.js";

const OP = "readLiability";
/** Repair rounds before the totals are read as they are. */
const REPAIR_ROUNDS = 8;
/** Account reads in flight at once. */
const ACCOUNT_READS = 64;

/**
 * The latest availableAt among the open lots a change leaves pending at its
 * commit instant (its last entry's), or `null` for none.
 */
export function latestPending(change: AccountChange): number | null {
  const last = change.entries[change.entries.length - 1];
  if (last === undefined) return null;
  let latest: number | null = null;
  for (const lot of change.lots) {
    if (isOpen(lot) && lot.availableAt > last.at && (latest === null || lot.availableAt > latest))
      latest = lot.availableAt;
  }
  return latest;
}

interface StripeFigures {
  readonly stale: [string, number][];
  readonly totals: Map<string, string>;
  readonly pending: string[];
  readonly due: string[];
}

async function readStripe(
  ctx: Context,
  keys: ProgramKeys,
  k: number,
  at: number,
  cutoff: number | null,
): Promise<StripeFigures> {
  const feed = keys.feedStripes[k] as ProgramKeys["feedStripes"][number];
  const expiry = keys.expiryStripes[k] as ExpiryKeys;
  const [stale, totals, pending, due] = (await ctx.scripts.run(
    OP,
    lua.readStripeTotals,
    [feed.totals, feed.pendingLots, expiry.index, feed.pending, feed.published],
    [String(at), cutoff === null ? "" : String(cutoff), REPAIR_PER_STRIPE],
  )) as [string[], string[], string[], string[]];
  const marks: [string, number][] = [];
  for (let i = 0; i + 1 < stale.length; i += 2)
    marks.push([stale[i] as string, Number(stale[i + 1])]);
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < totals.length; i += 2)
    fields.set(totals[i] as string, totals[i + 1] as string);
  return { stale: marks, totals: fields, pending, due };
}

function remainingOf(jsons: readonly string[]): string {
  let sum = "0";
  for (const json of jsons) {
    if (json === "") continue;
    const lot = JSON.parse(json) as Lot;
    if (isOpen(lot)) sum = addDecimalStrings(sum, lot.remaining);
  }
  return sum;
}

/** `Store.readLiability`; see the header. */
export async function readLiability(
  ctx: Context,
  keys: ProgramKeys,
  at: number,
): Promise<LiabilityFigures> {
  const cutoff = ctx.now() - ctx.feedGraceMs;
  const stripes = Array.from({ length: EXPIRY_STRIPES }, (_, k) => k);
  const figures: StripeFigures[] = await Promise.all(
    stripes.map((k) => readStripe(ctx, keys, k, at, cutoff)),
  );
  // The feed's repair, then those stripes again, until no stale mark is left.
  for (let round = 1; round <= REPAIR_ROUNDS; round += 1) {
    const repaired = stripes.filter((k) => (figures[k] as StripeFigures).stale.length > 0);
    if (repaired.length === 0) break;
    await repair(
      ctx,
      keys,
      repaired.flatMap((k) => (figures[k] as StripeFigures).stale),
      OP,
    );
    const again = await Promise.all(
      repaired.map((k) => readStripe(ctx, keys, k, at, round < REPAIR_ROUNDS ? cutoff : null)),
    );
    repaired.forEach((k, i) => {
      figures[k] = again[i] as StripeFigures;
    });
  }
  const legacy = keys.expiryStripes[EXPIRY_STRIPES] as ExpiryKeys;
  const legacyDue = (await ctx.scripts.run(
    OP,
    lua.readLegacyDue,
    [legacy.index],
    [String(at)],
  )) as string[];

  const tally: Record<keyof ProgramTally, string> = { ...ZERO_TALLY };
  const users = new Map<string, { pending: boolean; due: boolean }>();
  const mark = (member: string, kind: "pending" | "due") => {
    const found = users.get(member);
    if (found === undefined)
      users.set(member, { pending: kind === "pending", due: kind === "due" });
    else found[kind] = true;
  };
  for (const stripe of figures) {
    for (const field of TALLY_FIELDS) {
      const value = stripe.totals.get(field);
      if (value !== undefined) tally[field] = addDecimalStrings(tally[field], value);
    }
    for (const member of stripe.pending) mark(member, "pending");
    for (const member of stripe.due) mark(member, "due");
  }
  for (const member of legacyDue) mark(member, "due");

  let pending = "0";
  let due = "0";
  const list = [...users];
  for (let i = 0; i < list.length; i += ACCOUNT_READS) {
    const reads = await Promise.all(
      list.slice(i, i + ACCOUNT_READS).map(async ([member, want]) => {
        const account = keys.account(fromOrderedMember(member));
        return (await ctx.scripts.run(
          OP,
          lua.readAccountLots,
          [account.lots, account.fifo, account.avail],
          [String(at), want.pending ? "1" : "", want.due ? "1" : ""],
        )) as [string[], string[]];
      }),
    );
    for (const [pendingLots, dueLots] of reads) {
      pending = addDecimalStrings(pending, remainingOf(pendingLots));
      due = addDecimalStrings(due, remainingOf(dueLots));
    }
  }
  return { tally, pending, due };
}
