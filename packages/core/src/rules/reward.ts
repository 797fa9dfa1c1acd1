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
import { dateTime, readInputField, unreadable } from "../input.js";
import { type Dec, MAX_DECIMAL_LENGTH, ONE, parseDecimal, ZERO } from "../money/decimal.js";
import {
  canonicalDecimal,
  coinScaleOf,
  coinsToCurrency,
  coinValueInverse,
  coinValueOf,
  productIsExact,
  roundingOf,
} from "../money/ratio.js";
import { down } from "../money/rounding.js";
import type { Program } from "../program.js";
import { formatInstant } from "../time/instant.js";
import type { Base } from "./base.js";
import { applyCaps, tightest } from "./caps.js";
import { MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS } from "./check.js";
import { levelLimits, levelMultiplier } from "./levels.js";
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
  const at = dateTime(nowInput);
  if (at === undefined || !Number.isFinite(at)) {
    throw invalidInput({ path: "now", message: "expected a valid Date" });
  }
  const amount = readInputField(transactionInput, "amount", "transaction", "");
  const level = readLevel(readInputField(transactionInput, "level", "transaction", ""));
  const program = readProgram(programInput);
  const usage = readUsage(usageInput);
  try {
    return evaluate(eventParts(event), event, amount, program, at, usage, level);
  } catch (error) {
    if (error instanceof CoinageError) throw error;
    // Every other input is plain data by now: what failed is reading the event.
    throw unreadable("event", error);
  }
}

/** A transaction's `level`: a level id, or none (`null` or absent). */
function readLevel(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > levelLimits.idLength) {
    throw invalidInput({
      path: "transaction.level",
      message: `expected a level id of 1 to ${levelLimits.idLength} characters, or null`,
    });
  }
  return value;
}

/** The program's fields a preview uses, each read once (see `readInputField`). */
function readProgram(value: Program): Program {
  return {
    coinValue: readInputField(value, "coinValue", "program"),
    coinScale: readInputField(value, "coinScale", "program"),
    rounding: readInputField(value, "rounding", "program"),
    timeZone: readInputField(value, "timeZone", "program"),
  } as Program;
}

/**
 * The usage's fields, each read once (see `readInputField`); the per-user
 * counters in `perUser` are read by the caps that need them (see `caps.ts`).
 */
function readUsage(value: RewardUsage | undefined): RewardUsage | undefined {
  if (typeof value !== "object" || value === null) return value;
  const perUser = readInputField(value, "perUser", "usage");
  const budget = readInputField(value, "budget", "usage");
  return { perUser, budget } as RewardUsage;
}

function evaluate(
  parts: EventParts,
  event: CoinEvent,
  amountInput: unknown,
  program: Program,
  at: number,
  usage: RewardUsage | undefined,
  level: string | null,
): RewardPreview {
  const coinValue = coinValueOf(program);
  const scale = coinScaleOf(program);
  const round = roundingOf(program.rounding);
  const amount = readAmount(event, amountInput);
  const availableMs = parts.availableAt(at, program.timeZone);
  const expiresMs = parts.expiresAt(at, program.timeZone);
  const availableAt = formatInstant(availableMs);
  const expiresAt = expiresMs === null ? null : formatInstant(expiresMs);
  const limits = parts.limits(usage);

  const reason: IneligibleReason | null =
    parts.activity(event, at) ??
    (expiresMs !== null && expiresMs <= availableMs
      ? "expires_before_activation"
      : parts.below(event, amount)
        ? "below_min_amount"
        : null);
  if (reason !== null) {
    return nothing(reason, event.reward, program, scale, availableAt, expiresAt);
  }

  const base = parts.base(amount ?? ZERO);
  const promoted = parts.promotions(at);
  const active = promoted.active;
  const byLevel = level === null ? ONE : levelMultiplier(event.levels, level);
  const multiplier = byLevel === ONE ? promoted.multiplier : promoted.multiplier.mul(byLevel);
  const levelView =
    level === null ? undefined : { id: level, multiplier: canonicalDecimal(byLevel) };
  // Where the coin value has an exact inverse and nothing is rounded, the
  // divisions by it are products by its inverse: the same exact numbers.
  const inverse = coinValueInverse(coinValue);
  const digits = inverse === undefined ? Number.NaN : base.currency.sd() + inverse.sd();
  const byInverse =
    inverse !== undefined && productIsExact(digits) ? base.currency.mul(inverse) : undefined;
  const converted = plusCoins(byInverse ?? base.currency.div(coinValue), base.coins);
  const baseCoins = canonicalDecimal(converted);
  // × 1 is the same number: the base already has at most the precision's digits.
  const multiplied =
    multiplier === ONE
      ? converted
      : plusCoins(
          byInverse !== undefined && productIsExact(digits + multiplier.sd())
            ? byInverse.mul(multiplier)
            : base.currency.mul(multiplier).div(coinValue),
          base.coins,
          multiplier,
        );
  const multipliedText = multiplied === converted ? baseCoins : canonicalDecimal(multiplied);
  const capped = applyCaps(multiplied, limits, multipliedText);
  let rounded = round(capped.value, scale);
  let limitedBy: RewardBreakdown["rounding"]["limitedBy"];
  // Rounding a value ≥ 0 down never passes a cap the value is within.
  const ceiling = round === down && !capped.value.isNegative() ? undefined : tightest(limits);
  if (ceiling !== undefined && rounded.gt(ceiling.remaining)) {
    rounded = down(ceiling.remaining, scale);
    limitedBy = ceiling.cap;
  }
  const coins = canonicalDecimal(rounded, scale);

  const mode = program.rounding;
  const exact = capped.clips.at(-1)?.after ?? multipliedText;
  const rounding: RewardBreakdown["rounding"] =
    limitedBy === undefined
      ? { mode, scale, exact, rounded: coins }
      : { mode, scale, exact, rounded: coins, limitedBy };
  const rule = event.reward.kind;
  const multiplierText = canonicalDecimal(multiplier);
  const breakdown: RewardBreakdown =
    base.shares === undefined
      ? {
          rule,
          base: baseCoins,
          promotions: active,
          ...(levelView === undefined ? {} : { level: levelView }),
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
          ...(levelView === undefined ? {} : { level: levelView }),
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
  const coins = same
    ? baseCoins
    : canonicalDecimal(plusCoins(share.currency.div(coinValue), share.coins));
  const texts = share.texts;
  const from = texts?.from ?? canonicalDecimal(share.from);
  const rate =
    share.percent === undefined ? undefined : (texts?.rate ?? canonicalDecimal(share.percent));
  if (share.upTo === undefined) return rate === undefined ? { from, coins } : { from, rate, coins };
  const upTo = texts?.upTo ?? canonicalDecimal(share.upTo);
  return rate === undefined ? { from, upTo, coins } : { from, upTo, rate, coins };
}

/** The transaction amount, required by percentage and tiered rules and by `minAmount`. */
function readAmount(event: CoinEvent, raw: unknown): Dec | undefined {
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
  // A non-zero decimal's exponent is that of its leading digit: below 10^n is exponent < n.
  if (!amount.isZero() && amount.e >= MAX_INTEGER_DIGITS) {
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
