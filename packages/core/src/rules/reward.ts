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
import { CoinageError, invalidInput } from "../errors.js";
import { dateTime, readInput, unreadable } from "../input.js";
import { Dec, MAX_DECIMAL_LENGTH, parseDecimal, ZERO } from "../money/decimal.js";
import {
  canonicalDecimal,
  coinScaleOf,
  coinsToCurrency,
  coinValueOf,
  roundingOf,
} from "../money/ratio.js";
import { down } from "../money/rounding.js";
import type { Program } from "../program.js";
import type { Base } from "./base.js";
import { applyCaps, tightest } from "./caps.js";
import { MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS } from "./check.js";
import { directParts, type EventParts, eventParts } from "./prepare.js";
import type { TierShare } from "./tiers.js";
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
 * A paused, archived or out-of-window event, an amount below `minAmount`,
 * or coins that would expire at or before they become available, earn `0`
 * coins with `ineligible` set; that is not an error.
 * Percentage and tiered rules (and any event with `minAmount`) need
 * `transaction.amount` ≥ 0; without it the call fails with `INVALID_INPUT`
 * at `amount`. `usage` is what the user and the event have already used of
 * the per-user and budget caps.
 *
 * The event's data is read once per event object and reused (see
 * `prepare.ts`): treat an event as immutable once previewed (those from
 * `parseEvent` are frozen), and build a new one (as `parseEventPatch` does)
 * to change it.
 *
 * Inputs are read once; one that cannot be read (a getter or Proxy that
 * throws), or an event that is not a coin event at all, fails with
 * `INVALID_INPUT` naming the argument.
 */
export function previewReward(
  event: CoinEvent,
  transaction: Transaction,
  program: Program,
  now: Date,
  usage?: RewardUsage,
): RewardPreview {
  return preview(eventParts, event, transaction, program, now, usage);
}

/** `previewReward` reading the event's data afresh on this call, with nothing prepared or reused. */
export function previewRewardDirect(
  event: CoinEvent,
  transaction: Transaction,
  program: Program,
  now: Date,
  usage?: RewardUsage,
): RewardPreview {
  return preview(directParts, event, transaction, program, now, usage);
}

function preview(
  eventParts: (event: CoinEvent) => EventParts,
  event: CoinEvent,
  transactionInput: Transaction,
  programInput: Program,
  nowInput: Date,
  usageInput: RewardUsage | undefined,
): RewardPreview {
  const time = dateTime(nowInput);
  if (time === undefined || !Number.isFinite(time)) {
    throw invalidInput({ path: "now", message: "expected a valid Date" });
  }
  const now = new Date(time);
  const transaction = readInput(transactionInput, "transaction", { children: "" }) as Transaction;
  const program = readInput(programInput, "program") as Program;
  const usage = readInput(usageInput, "usage") as RewardUsage | undefined;
  try {
    return evaluate(eventParts(event), event, transaction, program, now, usage);
  } catch (error) {
    if (error instanceof CoinageError) throw error;
    // Every other input is plain data by now: what failed is reading the event.
    throw unreadable("event", error);
  }
}

function evaluate(
  parts: EventParts,
  event: CoinEvent,
  transaction: Transaction,
  program: Program,
  now: Date,
  usage: RewardUsage | undefined,
): RewardPreview {
  const coinValue = coinValueOf(program);
  const scale = coinScaleOf(program);
  const round = roundingOf(program.rounding);
  const amount = readAmount(event, transaction);
  const availableAt = parts.availableAt(now, program.timeZone);
  const expiresAt = parts.expiresAt(now, program.timeZone);
  const limits = parts.limits(usage);

  const reason: IneligibleReason | null =
    parts.activity(event, now) ??
    (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(availableAt)
      ? "expires_before_activation"
      : parts.below(event, amount)
        ? "below_min_amount"
        : null);
  if (reason !== null) {
    return nothing(reason, event.reward, program, scale, availableAt, expiresAt);
  }

  const base = parts.base(amount ?? ZERO);
  const { active, multiplier } = parts.promotions(now);
  const multiplied = plusCoins(
    base.currency.mul(multiplier).div(coinValue),
    base.coins,
    multiplier,
  );
  const capped = applyCaps(multiplied, limits);
  let rounded = round(capped.value, scale);
  let limitedBy: RewardBreakdown["rounding"]["limitedBy"];
  const ceiling = tightest(limits);
  if (ceiling !== undefined && rounded.gt(ceiling.remaining)) {
    rounded = down(ceiling.remaining, scale);
    limitedBy = ceiling.cap;
  }
  const coins = canonicalDecimal(rounded, scale);
  const baseCoins = canonicalDecimal(plusCoins(base.currency.div(coinValue), base.coins));

  const mode = program.rounding;
  const exact = canonicalDecimal(capped.value);
  const rounding: RewardBreakdown["rounding"] =
    limitedBy === undefined
      ? { mode, scale, exact, rounded: coins }
      : { mode, scale, exact, rounded: coins, limitedBy };
  const rule = event.reward.kind;
  const multiplierText = canonicalDecimal(multiplier);
  const multipliedText = canonicalDecimal(multiplied);
  const breakdown: RewardBreakdown =
    base.shares === undefined
      ? {
          rule,
          base: baseCoins,
          promotions: active,
          multiplier: multiplierText,
          multiplied: multipliedText,
          caps: capped.clips,
          rounding,
        }
      : {
          rule,
          base: baseCoins,
          tiers: base.shares.map((share) => shareView(share, base, baseCoins, coinValue)),
          promotions: active,
          multiplier: multiplierText,
          multiplied: multipliedText,
          caps: capped.clips,
          rounding,
        };
  return {
    coins,
    value: coinsValue(coins, rounded, scale, coinValue, program),
    breakdown,
    availableAt,
    expiresAt,
  };
}

/**
 * `converted + coins × multiplier`. Percent rules have no fixed coins, and
 * decimal.js gives `x + 0` for a non-zero `x` as `x` at the precision it was
 * already computed to, so that sum is skipped.
 */
function plusCoins(converted: Dec, coins: Dec, multiplier?: Dec): Dec {
  if (coins.isZero() && !converted.isZero()) return converted;
  return converted.plus(multiplier === undefined ? coins : coins.mul(multiplier));
}

/**
 * `coinsToCurrency(coins, program)`, from the rounded decimal `coins` was
 * printed from when that is the same number (it has at most `scale`
 * places), without parsing it back. Long texts go through
 * `coinsToCurrency`, which rejects them as it always has.
 */
function coinsValue(
  coins: string,
  rounded: Dec,
  scale: number,
  coinValue: Dec,
  program: Program,
): string {
  if (coins.length > MAX_DECIMAL_LENGTH || !rounded.isFinite() || rounded.decimalPlaces() > scale) {
    return coinsToCurrency(coins, program);
  }
  return canonicalDecimal((rounded.isZero() ? ZERO : rounded).mul(coinValue));
}

/** A tier's line of the breakdown; a flat tier's coins are the base's, already printed. */
function shareView(
  share: TierShare,
  base: Base,
  baseCoins: string,
  coinValue: Dec,
): NonNullable<RewardBreakdown["tiers"]>[number] {
  const same = share.currency === base.currency && share.coins === base.coins;
  const from = canonicalDecimal(share.from);
  const rate = share.percent === undefined ? undefined : canonicalDecimal(share.percent);
  const coins = same
    ? baseCoins
    : canonicalDecimal(plusCoins(share.currency.div(coinValue), share.coins));
  if (share.upTo === undefined) return rate === undefined ? { from, coins } : { from, rate, coins };
  const upTo = canonicalDecimal(share.upTo);
  return rate === undefined ? { from, upTo, coins } : { from, upTo, rate, coins };
}

/** Amounts must be below this (10^MAX_INTEGER_DIGITS). */
const AMOUNT_LIMIT = new Dec(`1e${MAX_INTEGER_DIGITS}`);

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
  if (amount.gte(AMOUNT_LIMIT)) {
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
  const coins = canonicalDecimal(ZERO, scale);
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
