/**
 * Conversion between currency and coins at a program's coin value.
 *
 * `program.coinValue` is currency per coin, so `coins = amount / coinValue`
 * and `currency = coins × coinValue`. Each conversion rounds once, at the end.
 *
 * Currency results are kept exact (no rounding). Coinage does not know the
 * program's currency, so any fixed scale would be wrong for some of them
 * (0 places for JPY, 2 for EUR, 3 for KWD); the exact product of two finite
 * decimals is itself finite, at most `coinScale` plus the decimal places of
 * `coinValue`, so nothing is lost and the caller rounds to its currency's
 * minor unit when it displays or charges the value.
 */
import { invalidInput } from "../errors.js";
import type { Program } from "../program.js";
import {
  type Dec,
  type DecimalInput,
  ONE,
  PRECISION,
  parseDecimal,
  toDecimalString,
  ZERO,
} from "./decimal.js";
import { isRoundingMode, type Rounding, type RoundingMode, roundings } from "./rounding.js";

/**
 * Coins worth `amount` of currency, rounded to the program's `coinScale` with
 * `rounding` (the program's rounding when omitted; `"down"` by default, which
 * never hands out more value than the amount).
 */
export function currencyToCoins(
  amount: DecimalInput,
  program: Program,
  rounding?: RoundingMode | Rounding,
): string {
  const value = parseDecimal(amount, "amount");
  const coins = value.div(coinValueOf(program));
  const scale = coinScaleOf(program);
  const round = roundingOf(rounding ?? program.rounding);
  return canonicalDecimal(round(coins, scale), scale);
}

/** The exact currency value of `coins` at the program's coin value (see the module note on scale). */
export function coinsToCurrency(coins: DecimalInput, program: Program): string {
  return canonicalDecimal(parseDecimal(coins, "coins").mul(coinValueOf(program)));
}

/**
 * The last coin value read, as text and decimal. A program's coin value
 * rarely changes, so this saves parsing it on every call; the text is
 * compared each time, so a different value is always parsed (and checked).
 */
let lastCoinValue:
  | { readonly text: string; readonly value: Dec; readonly inverse: Dec | undefined }
  | undefined;

/** The program's coin value as a decimal; `coinValue` must be positive. */
export function coinValueOf(program: Program): Dec {
  const text = program.coinValue;
  if (lastCoinValue !== undefined && lastCoinValue.text === text) return lastCoinValue.value;
  const value = parseDecimal(text, "program.coinValue");
  if (!value.gt(ZERO)) {
    throw invalidInput({ path: "program.coinValue", message: "must be greater than 0" });
  }
  if (typeof text === "string") lastCoinValue = { text, value, inverse: exactInverse(value) };
  return value;
}

/**
 * `1 ÷ coinValue` when it is a finite decimal (0.25 → 4, 0.001 → 1000),
 * for the coin value `coinValueOf` returned last; `undefined` otherwise
 * (0.3, or another coin value). Dividing by the coin value is multiplying
 * by it, exactly, when nothing is rounded (see `productIsExact`).
 */
export function coinValueInverse(coinValue: Dec): Dec | undefined {
  return lastCoinValue !== undefined && lastCoinValue.value === coinValue
    ? lastCoinValue.inverse
    : undefined;
}

/** `1 ÷ value` if that quotient is exact, checked by an exact product. */
function exactInverse(value: Dec): Dec | undefined {
  const inverse = ONE.div(value);
  return inverse.sd() + value.sd() <= PRECISION && inverse.mul(value).eq(ONE) ? inverse : undefined;
}

/**
 * Whether a product of factors with these many significant digits in all
 * is exact: `x × y` has at most `sd(x) + sd(y)` of them, so when the sum
 * fits the precision no product of them (nor a quotient equal to one) is
 * rounded.
 */
export function productIsExact(digits: number): boolean {
  return digits <= PRECISION;
}

/** The program's coin scale, checked: an integer from 0 to 8. */
export function coinScaleOf(program: Program): number {
  const scale = program.coinScale;
  if (!Number.isInteger(scale) || scale < 0 || scale > 8) {
    throw invalidInput({ path: "program.coinScale", message: "must be an integer from 0 to 8" });
  }
  return scale;
}

/** A rounding function from its name, or the function itself. */
export function roundingOf(rounding: RoundingMode | Rounding): Rounding {
  if (typeof rounding === "function") return rounding;
  if (!isRoundingMode(rounding)) {
    throw invalidInput({
      path: "rounding",
      message: `expected one of ${Object.keys(roundings).join(", ")}`,
    });
  }
  return roundings[rounding];
}

/** `toDecimalString` without a negative zero. */
export function canonicalDecimal(value: Dec, scale?: number): string {
  const canonical = value.isZero() ? ZERO : value;
  if (scale === undefined) return canonical.toFixed();
  const places = canonical.decimalPlaces();
  if (!(places <= scale)) return toDecimalString(canonical, scale);
  // Already at most `scale` places: the exact text padded with zeros, which is
  // what `toFixed(scale)` writes, without its second rounding.
  const text = canonical.toFixed();
  if (places === scale) return text;
  return `${text}${places === 0 ? "." : ""}${"0".repeat(scale - places)}`;
}
