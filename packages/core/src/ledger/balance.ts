/**
 * Balance at an instant, exact at read time: a lot past its expiry counts
 * for nothing whether or not a sweep has written its `expire` entry.
 */
import { Dec, ZERO } from "../money/decimal.js";
import { isExpired, isPending } from "./fifo.js";
import type { AccountSnapshot } from "./types.js";

export interface BalanceFigures {
  readonly available: Dec;
  readonly pending: Dec;
  readonly debt: Dec;
  readonly nextExpiry: { readonly at: number; readonly coins: Dec } | null;
}

export function balanceAt(
  snapshot: Pick<AccountSnapshot, "lots" | "debt">,
  at: number,
): BalanceFigures {
  let available = ZERO;
  let pending = ZERO;
  let nextAt: number | null = null;
  let nextCoins = ZERO;
  for (const lot of snapshot.lots) {
    const remaining = new Dec(lot.remaining);
    if (remaining.lte(0) || isExpired(lot, at)) continue;
    if (isPending(lot, at)) pending = pending.plus(remaining);
    else available = available.plus(remaining);
    if (lot.expiresAt !== null) {
      if (nextAt === null || lot.expiresAt < nextAt) {
        nextAt = lot.expiresAt;
        nextCoins = remaining;
      } else if (lot.expiresAt === nextAt) {
        nextCoins = nextCoins.plus(remaining);
      }
    }
  }
  return {
    available,
    pending,
    debt: new Dec(snapshot.debt),
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins },
  };
}

/** Remaining coins of every booked lot minus debt: what the history sums to. */
export function bookedBalance(snapshot: Pick<AccountSnapshot, "lots" | "debt">): Dec {
  let total = ZERO;
  for (const lot of snapshot.lots) total = total.plus(lot.remaining);
  return total.minus(snapshot.debt);
}
