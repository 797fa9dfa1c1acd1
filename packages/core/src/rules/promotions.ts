/** Promotions: multipliers active in a time window, and how several combine. */
import { Dec, max, parseDecimal } from "../money/decimal.js";
import { instant } from "./eligibility.js";
import type { Promotion } from "./types.js";

export type Stack = "max" | "multiply";

/** The promotions active at `now`: `from ≤ now < until`. */
export function activePromotions(
  promotions: readonly Promotion[] | undefined,
  now: Date,
): Promotion[] {
  if (promotions === undefined) return [];
  const at = now.getTime();
  return promotions.filter(
    (p, i) =>
      instant(p.from, `promotions[${i}].from`) <= at &&
      at < instant(p.until, `promotions[${i}].until`),
  );
}

/**
 * One multiplier from several: `"max"` takes the largest, `"multiply"` the
 * product. With none active the multiplier is 1. Under `"max"` only the
 * active multipliers count, so a lone promotion below 1 does reduce coins.
 */
export function combineMultipliers(multipliers: readonly Dec[], stack: Stack = "max"): Dec {
  if (multipliers.length === 0) return new Dec(1);
  if (stack === "multiply") return multipliers.reduce((acc, m) => acc.mul(m), new Dec(1));
  return multipliers.reduce((acc, m) => max(acc, m));
}

/** The active promotions at `now` and their combined multiplier. */
export function promotionMultiplier(
  promotions: readonly Promotion[] | undefined,
  stack: Stack | undefined,
  now: Date,
): { active: { id: string; multiplier: string }[]; multiplier: Dec } {
  const active = activePromotions(promotions, now);
  const multipliers = active.map((p) =>
    parseDecimal(p.multiplier, `promotions[${promotions?.indexOf(p) ?? 0}].multiplier`),
  );
  return {
    active: active.map((p) => ({ id: p.id, multiplier: p.multiplier })),
    multiplier: combineMultipliers(multipliers, stack),
  };
}
