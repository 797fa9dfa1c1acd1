/**
 * The base of a reward, before promotions and caps: fixed coins, a percent
 * of the amount, or tiers. The percent part stays in currency, to be
 * divided by the coin value once, later.
 */
import { invalidInput } from "../errors.js";
import { Dec, parseDecimal, ZERO } from "../money/decimal.js";
import { parsedTieredBase, parseTiers, type TierShare, withTexts } from "./tiers.js";
import type { RewardRule } from "./types.js";

export interface Base {
  /** Currency worth of the percent part: divided by the coin value once, later. */
  readonly currency: Dec;
  /** Fixed coins. */
  readonly coins: Dec;
  readonly shares?: readonly TierShare[];
}

/** `x × 0.01` is `x ÷ 100` exactly (see `tiers.ts`), and cheaper. */
const HUNDREDTH = new Dec("0.01");

/** The base of `rule` for `amount`, reading the rule's decimals on every call. */
export function ruleBase(rule: RewardRule, amount: Dec): Base {
  const base = prepareBase(rule);
  if (base === undefined) {
    throw invalidInput({ path: "reward.kind", message: "unknown reward kind" });
  }
  return base(amount);
}

/**
 * `ruleBase` with the rule's decimals read once. Throws (or returns
 * `undefined` for an unknown kind) when the rule cannot be read ahead; the
 * caller then uses `ruleBase`, which reports the problem on each call.
 */
export function prepareBase(rule: RewardRule): ((amount: Dec) => Base) | undefined {
  switch (rule.kind) {
    case "fixed": {
      const coins = parseDecimal(rule.coins, "reward.coins");
      return () => ({ currency: ZERO, coins });
    }
    case "percentage": {
      // The product by the exact rate is the product by the percent, then by 0.01.
      const rate = parseDecimal(rule.percent, "reward.percent").mul(HUNDREDTH);
      return (amount) => ({ currency: amount.mul(rate), coins: ZERO });
    }
    case "tiered": {
      const { mode } = rule;
      const tiers = withTexts(parseTiers(rule.tiers));
      return (amount) => parsedTieredBase(mode, tiers, amount);
    }
    default:
      return undefined;
  }
}
