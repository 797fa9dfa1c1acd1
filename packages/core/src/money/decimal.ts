/**
 * The only module that touches decimal.js. It uses a private clone with its
 * own precision and rounding configuration, so nothing a host application
 * does to the global `Decimal` can change coinage's arithmetic.
 */
import { Decimal as DecimalJs } from "decimal.js";
import { invalidInput } from "../errors.js";
import { typeName } from "../input.js";

/** Significant digits every result is rounded to. */
export const PRECISION = 80;

export const Dec = DecimalJs.clone({
  precision: PRECISION,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
  minE: -9e15,
  maxE: 9e15,
});
export type Dec = InstanceType<typeof Dec>;

/** What callers may pass as an amount: a decimal string, or an exact JS number. */
export type DecimalInput = string | number;

const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/** Longest decimal string accepted, a guard against absurd inputs. */
export const MAX_DECIMAL_LENGTH = 64;

export const ZERO: Dec = new Dec(0);
export const ONE: Dec = new Dec(1);

/**
 * Parse an amount. Strings must be plain decimals (`"12.50"`, no exponent,
 * no spaces). Numbers are accepted only when finite and exactly equal to the
 * decimal they were typed as: `0.5` and `1200` pass, `0.1` does not (its
 * binary value is 0.1000000000000000055…), so no float ever becomes money.
 */
export function parseDecimal(value: unknown, path: string): Dec {
  if (typeof value === "string") {
    if (value.length === 0 || value.length > MAX_DECIMAL_LENGTH || !DECIMAL_PATTERN.test(value)) {
      throw invalidInput({
        path,
        message: `expected a decimal string such as "12.50", got ${JSON.stringify(value.slice(0, 80))}`,
      });
    }
    return new Dec(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw invalidInput({ path, message: `expected a finite number, got ${String(value)}` });
    }
    if (!isExactNumber(value)) {
      throw invalidInput({
        path,
        message: `${String(value)} is not exactly representable as a binary number; pass it as the string "${String(value)}"`,
      });
    }
    return new Dec(String(value));
  }
  throw invalidInput({ path, message: `expected a decimal string, got ${typeName(value)}` });
}

/** True when the double `n` holds exactly the decimal that `String(n)` prints. */
export function isExactNumber(n: number): boolean {
  if (!Number.isFinite(n)) return false;
  if (Number.isInteger(n)) return Number.isSafeInteger(n);
  // A finite double is m / 2^k; scale by 2 until it is an integer.
  let scaled = n;
  let k = 0;
  while (!Number.isInteger(scaled) && k < 1100) {
    scaled *= 2;
    k += 1;
  }
  if (!Number.isSafeInteger(scaled)) return false;
  const exact = new Dec(scaled).div(new Dec(2).pow(k));
  return exact.eq(new Dec(String(n)));
}

/** A canonical string: no exponent, no trailing zeros beyond `scale` when given. */
export function toDecimalString(d: Dec, scale?: number): string {
  return scale === undefined ? d.toFixed() : d.toFixed(scale);
}

export function isDecimalString(value: unknown): value is string {
  return (
    typeof value === "string" && value.length <= MAX_DECIMAL_LENGTH && DECIMAL_PATTERN.test(value)
  );
}

export function min(a: Dec, b: Dec): Dec {
  return a.lte(b) ? a : b;
}

export function max(a: Dec, b: Dec): Dec {
  return a.gte(b) ? a : b;
}

/** `a + b` for decimal strings, exact. For stores that keep counters. */
export function addDecimalStrings(a: string, b: string): string {
  return new Dec(a).plus(b).toFixed();
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b` (decimal strings). */
export function compareDecimalStrings(a: string, b: string): -1 | 0 | 1 {
  return new Dec(a).cmp(b) as -1 | 0 | 1;
}

/** `a - b` for decimal strings, exact. */
export function subtractDecimalStrings(a: string, b: string): string {
  return new Dec(a).minus(b).toFixed();
}

/** Whether a decimal string is zero (`"0"`, `"0.00"`, `"-0"`). */
export function isZeroDecimalString(value: string): boolean {
  return new Dec(value).isZero();
}
