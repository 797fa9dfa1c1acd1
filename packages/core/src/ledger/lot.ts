/**
 * A lot's counters as decimals. Lots stored before `expired` and `shortfall`
 * existed lack them: they read as 0.
 */
import { Dec } from "../money/decimal.js";
import type { Lot } from "./types.js";

/** Coins of the lot that expired. */
export function expiredOf(lot: Lot): Dec {
  return new Dec(lot.expired ?? 0);
}

/** Coins reversals of the lot's allocation could not take back and restores have not repaid. */
export function shortfallOf(lot: Lot): Dec {
  return new Dec(lot.shortfall ?? 0);
}
