/**
 * A lot's counters as decimals, and whether it is open. Lots stored before
 * `expired` and `shortfall` existed lack them: they read as 0.
 */
import { Dec } from "../money/decimal.js";
import type { Lot } from "./types.js";

const NON_ZERO_DIGIT = /[1-9]/;

/**
 * Whether the lot still holds coins (`remaining > 0`). A stored `remaining`
 * is a plain decimal and never negative, so one non-zero digit decides it
 * without parsing.
 */
export function isOpenLot(lot: Lot): boolean {
  return NON_ZERO_DIGIT.test(lot.remaining);
}

/** Coins of the lot that expired. */
export function expiredOf(lot: Lot): Dec {
  return new Dec(lot.expired ?? 0);
}

/** Coins reversals of the lot's allocation could not take back and restores have not repaid. */
export function shortfallOf(lot: Lot): Dec {
  return new Dec(lot.shortfall ?? 0);
}
