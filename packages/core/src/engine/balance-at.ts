/**
 * The balance at a past instant: what it was then, from the history.
 *
 * "The balance at `at`" is the balance a read at `at` would have answered:
 * the lots as they stood after the last entry at or before `at` (lots
 * earned later do not exist; redemptions, reversals and restores after `at`
 * have not happened), counted at `at` (a lot whose expiry is at or before
 * `at` counts for nothing, swept or not; one whose `availableAt` is after
 * `at` is pending), and the debt after that entry.
 *
 * It is built backwards from now: the history is read newest first down to
 * the first entry at or before `at`; each lot those entries moved had then
 * the `before` of the oldest of them that moves it (its remaining coins
 * before that command); every other lot had what it has now. Cost: the
 * entries after `at` (pages of 16 growing to 1,000) and two account reads
 * (those lots by id, the due, activated and next-expiry lots at `at`, and
 * a FIFO prefix worth the moved lots' coins): it grows with the activity
 * since `at`, not with the account's whole history. Entries are ordered by
 * `seq`, which follows the instants a single clock gives them.
 */
import { CoinageError } from "../errors.js";
import { type BalanceFigures, balanceAt, balanceThen } from "../ledger/balance.js";
import { isExpired, isPending } from "../ledger/fifo.js";
import { isOpenLot } from "../ledger/lot.js";
import type { AccountReads, AccountSnapshot, Entry } from "../ledger/types.js";
import { Dec, ZERO } from "../money/decimal.js";

const FIRST_PAGE = 16;
const LARGEST_PAGE = 1000;
const ATTEMPTS = 5;

export interface PastReads {
  loadAccount(reads: AccountReads): Promise<AccountSnapshot>;
  history(page: { readonly limit: number; readonly beforeSeq?: number }): Promise<Entry[]>;
}

const NOTHING: BalanceFigures = { available: ZERO, pending: ZERO, debt: ZERO, nextExpiry: null };

/** The balance at `at` (an instant before now) as it stood then. */
export async function balanceInThePast(reads: PastReads, at: number): Promise<BalanceFigures> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const figures = await attemptAt(reads, at);
    if (figures !== undefined) return figures;
  }
  // Every attempt saw a commit land between its history and account reads.
  throw new CoinageError("STORE_UNAVAILABLE", { operation: "balance" });
}

/** One consistent reading, or `undefined` when the account changed while it was read. */
async function attemptAt(reads: PastReads, at: number): Promise<BalanceFigures | undefined> {
  const since: Entry[] = [];
  let last: Entry | undefined;
  let newest: number | undefined;
  let limit = FIRST_PAGE;
  let beforeSeq: number | undefined;
  walk: for (;;) {
    const rows = await reads.history(beforeSeq === undefined ? { limit } : { limit, beforeSeq });
    newest ??= rows[0]?.seq ?? 0;
    for (const row of rows) {
      if (row.at <= at) {
        last = row;
        break walk;
      }
      since.push(row);
    }
    if (rows.length < limit) break;
    beforeSeq = (rows[rows.length - 1] as Entry).seq;
    limit = Math.min(limit * 4, LARGEST_PAGE);
  }
  const consistent = (snapshot: AccountSnapshot) => snapshot.nextEntrySeq === newest + 1;
  if (since.length === 0) {
    // Nothing moved since `at`: the lots stand as they did then.
    const snapshot = await reads.loadAccount(bare(at, []));
    return consistent(snapshot) ? balanceAt(snapshot, at) : undefined;
  }
  if (last === undefined) return NOTHING; // nothing had happened by `at`

  // Per lot moved since: its `before` in the oldest entry that moves it, and
  // the signed coins of older entries stored without `before`.
  const anchors = new Map<number, { before: Dec | undefined; legacy: Dec }>();
  for (const entry of since) {
    const sign = entry.coins.startsWith("-") ? -1 : 1;
    for (const move of entry.lots) {
      const known = anchors.get(move.lotId);
      if (move.before !== undefined)
        anchors.set(move.lotId, { before: new Dec(move.before), legacy: ZERO });
      else {
        const coins = sign < 0 ? new Dec(move.coins).neg() : new Dec(move.coins);
        anchors.set(move.lotId, {
          before: known?.before,
          legacy: (known?.legacy ?? ZERO).plus(coins),
        });
      }
    }
  }
  const lotIds = [...anchors.keys()].sort((a, b) => a - b);
  const first = await reads.loadAccount(bare(at, lotIds));
  // The moved lots' coins now that are spendable at `at`: a FIFO prefix
  // reaching past them holds the earliest-expiring lots that were not moved.
  let spend = ZERO;
  for (const lot of first.lots) {
    if (anchors.has(lot.id) && isOpenLot(lot) && !isExpired(lot, at) && !isPending(lot, at))
      spend = spend.plus(lot.remaining);
  }
  const snapshot = await reads.loadAccount({ ...bare(at, lotIds), spend: spend.toFixed() });
  if (!consistent(snapshot) || snapshot.version !== first.version) return undefined;
  const then = new Map<number, Dec>();
  const found = new Set<number>();
  for (const lot of snapshot.lots) {
    const anchor = anchors.get(lot.id);
    if (anchor === undefined) continue;
    found.add(lot.id);
    const remaining =
      lot.earnedAt > at ? ZERO : (anchor.before ?? new Dec(lot.remaining)).minus(anchor.legacy);
    then.set(lot.id, Dec.max(remaining, ZERO));
  }
  if (found.size !== anchors.size) {
    throw new Error("a lot named by the history is missing from the account");
  }
  return balanceThen(snapshot, then, new Dec(last.debtAfter), at);
}

function bare(at: number, lotIds: readonly number[]): AccountReads {
  return { at, usageKeys: [], requestIds: [], lotIds };
}
