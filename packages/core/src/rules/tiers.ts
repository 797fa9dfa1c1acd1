/**
 * Tiered rewards. A tier starts at `from` (inclusive) and runs up to the next
 * tier's `from` (exclusive); the first starts at 0, so every amount falls in
 * exactly one tier.
 *
 * - `flat`: the whole amount is paid at the rate (or the fixed coins) of the
 *   tier it falls in.
 * - `progressive`: each slice of the amount is paid at its own tier's
 *   percent, like income-tax brackets.
 *
 * Results keep the percent part in currency (`currency`, to be divided by
 * the coin value once, by the caller) apart from fixed coins (`coins`), so
 * the whole computation divides exactly once.
 */
import { Dec, parseDecimal } from "../money/decimal.js";
import type { Tier, TieredReward } from "./types.js";

/** One tier's share of a reward. `upTo` is absent for the last tier. */
export interface TierShare {
  readonly from: Dec;
  readonly upTo?: Dec;
  /** The tier's percent, or absent for a fixed-coins tier. */
  readonly percent?: Dec;
  /** Currency worth of the percent part of this share (slice × percent / 100). */
  readonly currency: Dec;
  /** Fixed coins of this share. */
  readonly coins: Dec;
}

export interface TieredBase {
  /** Sum of the shares' currency parts. */
  readonly currency: Dec;
  /** Sum of the shares' fixed coins. */
  readonly coins: Dec;
  readonly shares: readonly TierShare[];
}

interface ParsedTier {
  readonly from: Dec;
  readonly percent?: Dec;
  readonly coins?: Dec;
}

function parseTiers(tiers: readonly Tier[]): ParsedTier[] {
  return tiers.map((tier, i) => {
    const from = parseDecimal(tier.from, `reward.tiers[${i}].from`);
    return "percent" in tier
      ? { from, percent: parseDecimal(tier.percent, `reward.tiers[${i}].percent`) }
      : { from, coins: parseDecimal(tier.coins, `reward.tiers[${i}].coins`) };
  });
}

/** The index of the tier `amount` falls in: the last whose `from` ≤ amount (0 if none). */
export function tierIndex(tiers: readonly { readonly from: Dec }[], amount: Dec): number {
  let index = 0;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i];
    if (tier !== undefined && tier.from.lte(amount)) index = i;
  }
  return index;
}

/** The whole amount at the tier it falls in. */
export function flatTier(tiers: readonly Tier[], amount: Dec): TieredBase {
  const parsed = parseTiers(tiers);
  const index = tierIndex(parsed, amount);
  const tier = parsed[index];
  if (tier === undefined) return { currency: new Dec(0), coins: new Dec(0), shares: [] };
  const next = parsed[index + 1];
  const currency = tier.percent === undefined ? new Dec(0) : amount.mul(tier.percent).div(100);
  const coins = tier.coins ?? new Dec(0);
  const share: TierShare = {
    from: tier.from,
    ...(next === undefined ? {} : { upTo: next.from }),
    ...(tier.percent === undefined ? {} : { percent: tier.percent }),
    currency,
    coins,
  };
  return { currency, coins, shares: [share] };
}

/**
 * Each slice `[from_i, from_{i+1}) ∩ [0, amount)` at tier i's percent.
 * Fixed-coins tiers are not allowed in progressive mode (the parser rejects
 * them); if one is met it contributes its coins once when the amount reaches it.
 */
export function progressiveTiers(tiers: readonly Tier[], amount: Dec): TieredBase {
  const parsed = parseTiers(tiers);
  const shares: TierShare[] = [];
  let currency = new Dec(0);
  let coins = new Dec(0);
  for (let i = 0; i < parsed.length; i++) {
    const tier = parsed[i];
    if (tier === undefined || !amount.gt(tier.from)) break;
    const next = parsed[i + 1];
    const top = next === undefined || amount.lt(next.from) ? amount : next.from;
    const slice = top.minus(tier.from);
    const part = tier.percent === undefined ? new Dec(0) : slice.mul(tier.percent).div(100);
    const fixed = tier.coins ?? new Dec(0);
    currency = currency.plus(part);
    coins = coins.plus(fixed);
    shares.push({
      from: tier.from,
      ...(next === undefined ? {} : { upTo: next.from }),
      ...(tier.percent === undefined ? {} : { percent: tier.percent }),
      currency: part,
      coins: fixed,
    });
  }
  return { currency, coins, shares };
}

export function tieredBase(rule: TieredReward, amount: Dec): TieredBase {
  return rule.mode === "progressive"
    ? progressiveTiers(rule.tiers, amount)
    : flatTier(rule.tiers, amount);
}
