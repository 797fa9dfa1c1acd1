/**
 * The FIFO rule: coins are spent earliest expiry first. Never-expiring lots
 * come last; ties go to the earliest earned, then the lowest lot id.
 * Pending lots (before `availableAt`) and expired lots (at or after
 * `expiresAt`) are not spendable.
 */
import { Dec, ZERO } from "../money/decimal.js";
import { isOpenLot } from "./lot.js";
import type { Lot, LotMovement } from "./types.js";

export function isExpired(lot: Lot, at: number): boolean {
  return lot.expiresAt !== null && lot.expiresAt <= at;
}

export function isPending(lot: Lot, at: number): boolean {
  return lot.availableAt > at;
}

export function isSpendable(lot: Lot, at: number): boolean {
  return !isExpired(lot, at) && !isPending(lot, at) && isOpenLot(lot);
}

/** Orders lots by the FIFO rule. */
export function compareSpendOrder(a: Lot, b: Lot): number {
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
  return a.id - b.id;
}

/** The spendable lots at `at`, in the order they are spent. */
export function spendOrder(lots: readonly Lot[], at: number): Lot[] {
  return lots.filter((lot) => isSpendable(lot, at)).sort(compareSpendOrder);
}

/**
 * Where a read for spending `spend` at `at` stops in `fifo`: open lots not
 * expired at `at`, in FIFO order, read from `start`. Returns the index after
 * the last spend lot (see `AccountSnapshot.lots`): lots are read, pending ones
 * included, until the spendable ones hold more than `spend`, then the rest of
 * the last lot's expiry group when it expires; the end of `fifo` when they
 * never hold more.
 */
export function spendReach(fifo: readonly Lot[], start: number, at: number, spend: string): number {
  const cover = new Dec(spend);
  let held = ZERO;
  let end = start;
  while (end < fifo.length) {
    const lot = fifo[end] as Lot;
    end += 1;
    if (isPending(lot, at)) continue;
    held = held.plus(lot.remaining);
    if (held.gt(cover)) {
      const expiresAt = lot.expiresAt;
      if (expiresAt !== null)
        while (end < fifo.length && (fifo[end] as Lot).expiresAt === expiresAt) end += 1;
      return end;
    }
  }
  return end;
}

export interface ConsumptionPlan {
  readonly movements: readonly LotMovement[];
  /** The coins of each movement, as decimals. */
  readonly amounts: readonly Dec[];
  /** Coins the spendable lots could not cover (0 when fully covered). */
  readonly shortfall: Dec;
  /** Everything spendable at `at`. */
  readonly spendable: Dec;
}

/**
 * Plan taking `coins` from `lots` in FIFO order; never takes more than a lot
 * holds. `lots` may hold more than the spendable ones (a snapshot's lots):
 * the plan is the same as over every open lot of the account as long as the
 * snapshot holds its spend lots (see `AccountSnapshot.lots`).
 */
export function planConsumption(
  lots: readonly Lot[],
  coins: Dec,
  at: number,
  remainingOf: (lot: Lot) => Dec = parseRemaining,
): ConsumptionPlan {
  const movements: LotMovement[] = [];
  const amounts: Dec[] = [];
  let left = coins;
  let spendable = ZERO;
  for (const lot of spendOrder(lots, at)) {
    const remaining = remainingOf(lot);
    spendable = spendable.plus(remaining);
    if (left.lte(0)) continue;
    const take = Dec.min(remaining, left);
    movements.push({ lotId: lot.id, coins: take.toFixed() });
    amounts.push(take);
    left = left.minus(take);
  }
  return { movements, amounts, shortfall: left, spendable };
}

function parseRemaining(lot: Lot): Dec {
  return new Dec(lot.remaining);
}

/**
 * The redemption plan for `coins` over `lots` at instant `at`, as strings:
 * which lots give how much, earliest expiry first. For previews (a checkout
 * page showing which coins a purchase would use); the engine books the same plan.
 */
export function planRedemption(
  lots: readonly Lot[],
  coins: string,
  at: number,
): {
  readonly lots: readonly LotMovement[];
  readonly shortfall: string;
  readonly spendable: string;
} {
  const plan = planConsumption(lots, new Dec(coins), at);
  return {
    lots: plan.movements,
    shortfall: plan.shortfall.toFixed(),
    spendable: plan.spendable.toFixed(),
  };
}
