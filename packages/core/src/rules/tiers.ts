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
import { Dec, parseDecimal, ZERO } from "../money/decimal.js";
import { canonicalDecimal } from "../money/ratio.js";
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
  /** The tier's `from`, `upTo` and percent as the breakdown writes them, when already known. */
  readonly texts?: TierTexts | undefined;
}

export interface TierTexts {
  readonly from: string;
  readonly upTo: string | undefined;
  readonly rate: string | undefined;
}

export interface TieredBase {
  /** Sum of the shares' currency parts. */
  readonly currency: Dec;
  /** Sum of the shares' fixed coins. */
  readonly coins: Dec;
  readonly shares: readonly TierShare[];
}

/** A tier read into decimals, once per event (see `prepare.ts`). */
export interface ParsedTier {
  readonly from: Dec;
  readonly percent?: Dec;
  /** `percent ÷ 100`, exact. */
  readonly rate?: Dec;
  readonly coins?: Dec;
  readonly texts?: TierTexts;
}

/**
 * `x × 0.01` is `x ÷ 100`: the exact quotient is a finite decimal, so both
 * round the same number to the same precision, and a product is cheaper.
 */
const HUNDREDTH = new Dec("0.01");

/**
 * Tiers as decimals. A product by a tier's exact `rate` is its product by
 * `percent` then by 0.01: both are the exact product rounded once, to the
 * same precision.
 */
export function parseTiers(tiers: readonly Tier[]): ParsedTier[] {
  return tiers.map((tier, i) => {
    const from = parseDecimal(tier.from, `reward.tiers[${i}].from`);
    if (!("percent" in tier)) {
      return { from, coins: parseDecimal(tier.coins, `reward.tiers[${i}].coins`) };
    }
    const percent = parseDecimal(tier.percent, `reward.tiers[${i}].percent`);
    return { from, percent, rate: percent.mul(HUNDREDTH) };
  });
}

/** Parsed tiers with the texts of their breakdown lines written once. */
export function withTexts(tiers: readonly ParsedTier[]): ParsedTier[] {
  return tiers.map((tier, i) => {
    const next = tiers[i + 1];
    const texts: TierTexts = {
      from: canonicalDecimal(tier.from),
      upTo: next === undefined ? undefined : canonicalDecimal(next.from),
      rate: tier.percent === undefined ? undefined : canonicalDecimal(tier.percent),
    };
    return { ...tier, texts };
  });
}

/** The index of the tier `amount` falls in: the last whose `from` ≤ amount (0 if none). */
export function tierIndex(tiers: readonly { readonly from: Dec }[], amount: Dec): number {
  for (let i = tiers.length - 1; i > 0; i--) {
    const tier = tiers[i];
    if (tier !== undefined && tier.from.lte(amount)) return i;
  }
  return 0;
}

/** The whole amount at the tier it falls in. */
export function flatTier(tiers: readonly Tier[], amount: Dec): TieredBase {
  return flatParsed(parseTiers(tiers), amount);
}

function flatParsed(parsed: readonly ParsedTier[], amount: Dec): TieredBase {
  const index = tierIndex(parsed, amount);
  const tier = parsed[index];
  if (tier === undefined) return { currency: ZERO, coins: ZERO, shares: [] };
  const next = parsed[index + 1];
  const currency = tier.rate === undefined ? ZERO : amount.mul(tier.rate);
  const coins = tier.coins ?? ZERO;
  return { currency, coins, shares: [tierShare(tier, next, currency, coins)] };
}

/**
 * Each slice `[from_i, from_{i+1}) ∩ [0, amount)` at tier i's percent.
 * Fixed-coins tiers are not allowed in progressive mode (the parser rejects
 * them); if one is met it contributes its coins once when the amount reaches it.
 */
export function progressiveTiers(tiers: readonly Tier[], amount: Dec): TieredBase {
  return progressiveParsed(parseTiers(tiers), amount);
}

function progressiveParsed(parsed: readonly ParsedTier[], amount: Dec): TieredBase {
  const shares: TierShare[] = [];
  let currency = ZERO;
  let coins = ZERO;
  for (let i = 0; i < parsed.length; i++) {
    const tier = parsed[i];
    if (tier === undefined || !amount.gt(tier.from)) break;
    const next = parsed[i + 1];
    const top = next === undefined || amount.lt(next.from) ? amount : next.from;
    const slice = top.minus(tier.from);
    const part = tier.rate === undefined ? ZERO : slice.mul(tier.rate);
    const fixed = tier.coins ?? ZERO;
    currency = currency.plus(part);
    coins = coins.plus(fixed);
    shares.push(tierShare(tier, next, part, fixed));
  }
  return { currency, coins, shares };
}

function tierShare(
  tier: ParsedTier,
  next: ParsedTier | undefined,
  currency: Dec,
  coins: Dec,
): TierShare {
  const { from, percent, texts } = tier;
  if (next === undefined) {
    return percent === undefined
      ? { from, currency, coins, texts }
      : { from, percent, currency, coins, texts };
  }
  const upTo = next.from;
  return percent === undefined
    ? { from, upTo, currency, coins, texts }
    : { from, upTo, percent, currency, coins, texts };
}

export function tieredBase(rule: TieredReward, amount: Dec): TieredBase {
  return parsedTieredBase(rule.mode, parseTiers(rule.tiers), amount);
}

/** `tieredBase` on tiers already parsed. */
export function parsedTieredBase(
  mode: TieredReward["mode"],
  parsed: readonly ParsedTier[],
  amount: Dec,
): TieredBase {
  return mode === "progressive" ? progressiveParsed(parsed, amount) : flatParsed(parsed, amount);
}
