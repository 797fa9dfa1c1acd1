/** Promotions: multipliers active in a time window, and how several combine. */
import { Dec, max, ONE, parseDecimal } from "../money/decimal.js";
import { instant } from "./eligibility.js";
import type { Promotion } from "./types.js";

export type Stack = "max" | "multiply";

export interface PromotionResult {
  readonly active: { id: string; multiplier: string }[];
  readonly multiplier: Dec;
}

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
  if (multipliers.length === 0) return ONE;
  if (stack === "multiply") return multipliers.reduce((acc, m) => acc.mul(m), new Dec(1));
  return multipliers.reduce((acc, m) => max(acc, m));
}

/** The active promotions at `now` and their combined multiplier. */
export function promotionMultiplier(
  promotions: readonly Promotion[] | undefined,
  stack: Stack | undefined,
  now: Date,
): PromotionResult {
  const active = activePromotions(promotions, now);
  const multipliers = active.map((p) =>
    parseDecimal(p.multiplier, `promotions[${promotions?.indexOf(p) ?? 0}].multiplier`),
  );
  return {
    active: active.map((p) => ({ id: p.id, multiplier: p.multiplier })),
    multiplier: combineMultipliers(multipliers, stack),
  };
}

/** A promotion read once: its window as epoch milliseconds and its multiplier as a decimal. */
interface PreparedPromotion {
  readonly id: string;
  readonly text: string;
  readonly multiplier: Dec;
  readonly from: number;
  readonly until: number;
}

/**
 * `promotionMultiplier` with every promotion's window and multiplier read
 * once, as a function of the instant (epoch ms). Throws when one of them is
 * malformed; the caller then uses `promotionMultiplier`, which reports it
 * when it matters.
 */
export function preparePromotions(
  promotions: readonly Promotion[] | undefined,
  stack: Stack | undefined,
): (at: number) => PromotionResult {
  if (promotions === undefined) return () => ({ active: [], multiplier: ONE });
  if (!Array.isArray(promotions)) throw new TypeError("promotions is not an array");
  const prepared: PreparedPromotion[] = [];
  for (let i = 0; i < promotions.length; i++) {
    if (!(i in promotions)) throw new TypeError("promotions has a hole");
    const p = promotions[i] as Promotion;
    prepared.push({
      id: p.id,
      text: p.multiplier,
      multiplier: parseDecimal(p.multiplier, `promotions[${i}].multiplier`),
      from: instant(p.from, `promotions[${i}].from`),
      until: instant(p.until, `promotions[${i}].until`),
    });
  }
  return (at) => {
    const active: { id: string; multiplier: string }[] = [];
    const multipliers: Dec[] = [];
    for (const p of prepared) {
      if (p.from <= at && at < p.until) {
        active.push({ id: p.id, multiplier: p.text });
        multipliers.push(p.multiplier);
      }
    }
    return { active, multiplier: combineMultipliers(multipliers, stack) };
  };
}
