/**
 * The reward of one transaction under one event, as a pure function:
 *
 *   base (rule) → × multiplier (active promotions) → caps → one rounding
 *
 * All steps are exact decimal arithmetic; the percent part stays in
 * currency until it is divided by the coin value once, after the
 * multiplier, so `amount × percent / 100 × multiplier / coinValue` never
 * loses a coin to an intermediate rounding. The result is rounded once, to
 * the program's coin scale with its rounding mode, and never passes a cap.
 */
import { invalidInput } from "../errors.js";
import { Dec, parseDecimal } from "../money/decimal.js";
import {
  canonicalDecimal,
  coinScaleOf,
  coinsToCurrency,
  coinValueOf,
  roundingOf,
} from "../money/ratio.js";
import { down } from "../money/rounding.js";
import type { Program } from "../program.js";
import { resolveActivation, resolveExpiry } from "../time/dates.js";
import { applyCaps, capLimits, tightest } from "./caps.js";
import { MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS } from "./check.js";
import { eventActivity } from "./eligibility.js";
import { promotionMultiplier } from "./promotions.js";
import { type TierShare, tieredBase } from "./tiers.js";
import type {
  CoinEvent,
  IneligibleReason,
  RewardBreakdown,
  RewardPreview,
  RewardRule,
  RewardUsage,
  Transaction,
} from "./types.js";

/**
 * What `transaction` earns under `event` at `now`, with the breakdown that
 * explains it and the lot's availability and expiry instants.
 *
 * A paused, archived or out-of-window event, or an amount below
 * `minAmount`, earns `0` coins with `ineligible` set; that is not an error.
 * Percentage and tiered rules (and any event with `minAmount`) need
 * `transaction.amount` ≥ 0; without it the call fails with `INVALID_INPUT`
 * at `amount`. `usage` is what the user and the event have already used of
 * the per-user and budget caps.
 */
export function previewReward(
  event: CoinEvent,
  transaction: Transaction,
  program: Program,
  now: Date,
  usage?: RewardUsage,
): RewardPreview {
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
    throw invalidInput({ path: "now", message: "expected a valid Date" });
  }
  const coinValue = coinValueOf(program);
  const scale = coinScaleOf(program);
  const round = roundingOf(program.rounding);
  const amount = readAmount(event, transaction);
  const availableAt = resolveActivation(event.activation, now, program.timeZone).toISOString();
  const expiresAt = resolveExpiry(event.expiry, now, program.timeZone)?.toISOString() ?? null;
  const limits = capLimits(event.caps, usage);

  const inactive = eventActivity(event, now);
  const below =
    event.minAmount !== undefined &&
    amount !== undefined &&
    amount.lt(parseDecimal(event.minAmount, "minAmount"));
  if (inactive !== null || below) {
    return nothing(
      inactive ?? "below_min_amount",
      event.reward,
      program,
      scale,
      availableAt,
      expiresAt,
    );
  }

  const base = ruleBase(event.reward, amount ?? new Dec(0));
  const { active, multiplier } = promotionMultiplier(event.promotions, event.stack, now);
  const multiplied = base.currency.mul(multiplier).div(coinValue).plus(base.coins.mul(multiplier));
  const capped = applyCaps(multiplied, limits);
  let rounded = round(capped.value, scale);
  let limitedBy: RewardBreakdown["rounding"]["limitedBy"];
  const ceiling = tightest(limits);
  if (ceiling !== undefined && rounded.gt(ceiling.remaining)) {
    rounded = down(ceiling.remaining, scale);
    limitedBy = ceiling.cap;
  }
  const coins = canonicalDecimal(rounded, scale);

  const breakdown: RewardBreakdown = {
    rule: event.reward.kind,
    base: canonicalDecimal(base.currency.div(coinValue).plus(base.coins)),
    ...(base.shares === undefined
      ? {}
      : { tiers: base.shares.map((share) => shareView(share, coinValue)) }),
    promotions: active,
    multiplier: canonicalDecimal(multiplier),
    multiplied: canonicalDecimal(multiplied),
    caps: capped.clips,
    rounding: {
      mode: program.rounding,
      scale,
      exact: canonicalDecimal(capped.value),
      rounded: coins,
      ...(limitedBy === undefined ? {} : { limitedBy }),
    },
  };
  return { coins, value: coinsToCurrency(coins, program), breakdown, availableAt, expiresAt };
}

interface Base {
  /** Currency worth of the percent part: divided by the coin value once, later. */
  readonly currency: Dec;
  /** Fixed coins. */
  readonly coins: Dec;
  readonly shares?: readonly TierShare[];
}

function ruleBase(rule: RewardRule, amount: Dec): Base {
  switch (rule.kind) {
    case "fixed":
      return { currency: new Dec(0), coins: parseDecimal(rule.coins, "reward.coins") };
    case "percentage":
      return {
        currency: amount.mul(parseDecimal(rule.percent, "reward.percent")).div(100),
        coins: new Dec(0),
      };
    case "tiered":
      return tieredBase(rule, amount);
    default:
      throw invalidInput({ path: "reward.kind", message: "unknown reward kind" });
  }
}

function shareView(
  share: TierShare,
  coinValue: Dec,
): NonNullable<RewardBreakdown["tiers"]>[number] {
  return {
    from: canonicalDecimal(share.from),
    ...(share.upTo === undefined ? {} : { upTo: canonicalDecimal(share.upTo) }),
    ...(share.percent === undefined ? {} : { rate: canonicalDecimal(share.percent) }),
    coins: canonicalDecimal(share.currency.div(coinValue).plus(share.coins)),
  };
}

/** The transaction amount, required by percentage and tiered rules and by `minAmount`. */
function readAmount(event: CoinEvent, transaction: Transaction): Dec | undefined {
  const raw = transaction?.amount;
  const needed = event.reward.kind !== "fixed" || event.minAmount !== undefined;
  if (raw === undefined) {
    if (!needed) return undefined;
    throw invalidInput({
      path: "amount",
      message: `is required: the event ${JSON.stringify(event.id)} pays ${event.reward.kind === "fixed" ? "only above a minimum amount" : `a ${event.reward.kind} reward of the amount`}`,
    });
  }
  const amount = parseDecimal(raw, "amount");
  if (amount.isNegative() && !amount.isZero())
    throw invalidInput({ path: "amount", message: "must be at least 0" });
  if (amount.decimalPlaces() > MAX_DECIMAL_PLACES) {
    throw invalidInput({ path: "amount", message: `at most ${MAX_DECIMAL_PLACES} decimal places` });
  }
  if (amount.gte(`1e${MAX_INTEGER_DIGITS}`)) {
    throw invalidInput({ path: "amount", message: `must be less than 10^${MAX_INTEGER_DIGITS}` });
  }
  return amount;
}

function nothing(
  reason: IneligibleReason,
  rule: RewardRule,
  program: Program,
  scale: number,
  availableAt: string,
  expiresAt: string | null,
): RewardPreview {
  const coins = canonicalDecimal(new Dec(0), scale);
  return {
    coins,
    value: coinsToCurrency(coins, program),
    ineligible: reason,
    breakdown: {
      rule: rule.kind,
      base: "0",
      promotions: [],
      multiplier: "1",
      multiplied: "0",
      caps: [],
      rounding: { mode: program.rounding, scale, exact: "0", rounded: coins },
    },
    availableAt,
    expiresAt,
  };
}
