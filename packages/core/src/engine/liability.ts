/**
 * `liability()`: the program's outstanding coins and their value, its debt,
 * and its running totals, from the counters every commit maintains
 * (`Store.readLiability`), never from a scan of accounts. What the month-end
 * books need: the coins members hold (a liability at the coin value), and
 * what was earned, redeemed, expired (breakage), reversed, restored and
 * adjusted since the program began.
 */
import { invalidInput } from "../errors.js";
import { Dec } from "../money/decimal.js";
import type { Program } from "../program.js";
import type { LiabilityFigures } from "../store.js";
import { formatInstant } from "../time/instant.js";
import { coinText, currencyOf } from "./format.js";
import type { Liability } from "./types.js";

/**
 * The liability at `at` from the store's figures. Coins whose lot expired by
 * `at` count as expired whether or not a sweep wrote them off yet, so
 * `available + pending − debt` equals
 * `earned + adjusted − redeemed − expired − reversed + restored`.
 */
export function formatLiability(
  program: Program,
  figures: LiabilityFigures,
  at: number,
): Liability {
  const t = figures.tally;
  const pending = new Dec(figures.pending);
  const due = new Dec(figures.due);
  const available = new Dec(t.open).minus(pending).minus(due);
  const outstanding = available.plus(pending);
  const outstandingText = coinText(outstanding, program);
  const coins = (value: Dec | string) => coinText(new Dec(value), program);
  return {
    asOf: formatInstant(at),
    available: coins(available),
    pending: coins(pending),
    outstanding: outstandingText,
    value: currencyOf(outstanding, outstandingText, program),
    debt: coins(t.debt),
    earned: coins(t.earned),
    redeemed: coins(t.redeemed),
    expired: coins(new Dec(t.expired).plus(due)),
    reversed: coins(t.reversed),
    restored: coins(t.restored),
    adjusted: coins(t.adjusted),
  };
}

/** The instant a liability is read at: now by default; never before now (the totals are those of the latest commit). */
export function liabilityInstant(asked: Date | undefined, now: number): number {
  if (asked === undefined) return now;
  const at = asked.getTime();
  if (at < now) {
    throw invalidInput({
      path: "at",
      message:
        "must not be before now: the totals are kept as of the latest commit (read them at each month end, or use history for the past)",
    });
  }
  return at;
}
