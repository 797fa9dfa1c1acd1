/**
 * Balance at an instant, exact at read time: a lot past its expiry counts
 * for nothing whether or not a sweep has written its `expire` entry.
 *
 * It starts from the account's totals, not from a sum over its open lots,
 * and corrects them with the few lots whose state differs between the
 * totals' instant and the balance's: the due lots (expired by then), the
 * activated ones (pending at one instant and not at the other), and the
 * next-expiry group for `nextExpiry`. A snapshot read at that instant holds
 * all of them (see `AccountSnapshot.lots`); more lots change nothing.
 */
import { Dec, ZERO } from "../money/decimal.js";
import { isExpired, isPending } from "./fifo.js";
import { isOpenLot } from "./lot.js";
import type { AccountSnapshot, Lot } from "./types.js";

export interface BalanceFigures {
  readonly available: Dec;
  readonly pending: Dec;
  readonly debt: Dec;
  readonly nextExpiry: { readonly at: number; readonly coins: Dec } | null;
}

/** Open and pending coins kept at `asOf` (the totals, as decimals). */
export interface Counted {
  readonly open: Dec;
  readonly pending: Dec;
  readonly asOf: number;
}

/** The balance at `at` from what is counted at `asOf` and the lots a snapshot read at `at` holds. */
export function balanceFrom(
  counted: Counted,
  lots: Iterable<Lot>,
  debt: Dec,
  at: number,
  remainingOf: (lot: Lot) => Dec = (lot) => new Dec(lot.remaining),
): BalanceFigures {
  let open = counted.open;
  let pending = counted.pending;
  let nextAt: number | null = null;
  let nextCoins = ZERO;
  for (const lot of lots) {
    if (!isOpenLot(lot)) continue;
    const expired = isExpired(lot, at);
    const wasPending = isPending(lot, counted.asOf);
    const pendingNow = !expired && isPending(lot, at);
    const expiry = lot.expiresAt;
    const next = !expired && expiry !== null && (nextAt === null || expiry <= nextAt);
    if (!expired && wasPending === pendingNow && !next) continue;
    const remaining = remainingOf(lot);
    if (expired) open = open.minus(remaining);
    if (wasPending !== pendingNow)
      pending = pendingNow ? pending.plus(remaining) : pending.minus(remaining);
    if (next) {
      if (expiry === nextAt) nextCoins = nextCoins.plus(remaining);
      else {
        nextAt = expiry;
        nextCoins = remaining;
      }
    }
  }
  return {
    available: open.minus(pending),
    pending,
    debt,
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins },
  };
}

/** The balance of a snapshot at `at`; the snapshot must have been read at `at`. */
export function balanceAt(
  snapshot: Pick<AccountSnapshot, "totals" | "lots" | "debt">,
  at: number,
): BalanceFigures {
  const { totals } = snapshot;
  return balanceFrom(
    { open: new Dec(totals.open), pending: new Dec(totals.pending), asOf: totals.asOf },
    snapshot.lots,
    new Dec(snapshot.debt),
    at,
  );
}
