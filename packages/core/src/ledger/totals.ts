/**
 * Per-account totals (`AccountTotals`): the open and pending coins kept at
 * one instant, and the instant before which they need no correction. A
 * command starts from them and the lots its snapshot holds, never from a sum
 * over every open lot.
 */
import { Dec } from "../money/decimal.js";
import { isPending } from "./fifo.js";
import { isOpenLot } from "./lot.js";
import type { AccountTotals, Lot } from "./types.js";

/** The totals of an account that has never been written. */
export const EMPTY_TOTALS: AccountTotals = Object.freeze({
  open: "0",
  pending: "0",
  asOf: 0,
  nextChangeAt: null,
});

/**
 * The pending coins at `at`, from totals kept at `totals.asOf`: corrected by
 * the lots pending at one instant and not at the other, which a snapshot
 * read at `at` holds (its activated lots). Expiry is not looked at.
 */
export function pendingAt(totals: AccountTotals, lots: Iterable<Lot>, at: number): Dec {
  let pending = new Dec(totals.pending);
  if (at === totals.asOf) return pending;
  for (const lot of lots) {
    const before = isPending(lot, totals.asOf);
    if (before === isPending(lot, at) || !isOpenLot(lot)) continue;
    pending = before ? pending.minus(lot.remaining) : pending.plus(lot.remaining);
  }
  return pending;
}

/**
 * `nextChangeAt` of the totals a change leaves at `at`: the earliest expiry
 * of the lots open after it, and the earliest instant after `at` at which
 * one becomes available. The lots a snapshot did not hold are open lots
 * that expire no earlier than its next-expiry group and become available no
 * earlier than its next activation, so the lots open before the change
 * stand in for them: a lower bound, as the contract allows.
 */
export function nextChangeBound(
  before: readonly Lot[],
  after: Iterable<Lot>,
  at: number,
): number | null {
  let bound: number | null = null;
  const consider = (instant: number) => {
    if (bound === null || instant < bound) bound = instant;
  };
  for (const lot of before) {
    if (!isOpenLot(lot)) continue;
    if (lot.expiresAt !== null && lot.expiresAt > at) consider(lot.expiresAt);
    if (lot.availableAt > at) consider(lot.availableAt);
  }
  for (const lot of after) {
    if (!isOpenLot(lot)) continue;
    if (lot.expiresAt !== null) consider(lot.expiresAt);
    if (lot.availableAt > at) consider(lot.availableAt);
  }
  return bound;
}
