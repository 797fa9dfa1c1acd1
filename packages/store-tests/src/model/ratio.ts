/**
 * Exact rational numbers on bigints, for the reference reward rules: a
 * reward divides by the coin value, which need not give a finite decimal
 * (a coin value of 0.3), so the model keeps the exact fraction until the one
 * rounding at the end. Nothing here is shared with core.
 */

export interface Ratio {
  /** Numerator, any sign. */
  readonly n: bigint;
  /** Denominator, always > 0; the fraction is kept reduced. */
  readonly d: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function ratio(n: bigint, d = 1n): Ratio {
  if (d === 0n) throw new Error("division by zero");
  const sign = d < 0n ? -1n : 1n;
  const g = gcd(n, d) || 1n;
  return { n: (sign * n) / g, d: (sign * d) / g };
}

export const ZERO = ratio(0n);
export const ONE = ratio(1n);

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A plain decimal string ("12.50", "-3", "0.005") as an exact fraction. */
export function dec(text: string): Ratio {
  const m = DECIMAL.exec(text);
  if (m === null) throw new Error(`not a decimal string: ${JSON.stringify(text)}`);
  const fraction = m[3] ?? "";
  const n = BigInt(`${m[2]}${fraction}`) * (m[1] === "-" ? -1n : 1n);
  return ratio(n, 10n ** BigInt(fraction.length));
}

export const add = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.n, a.d * b.d);
export const div = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d, a.d * b.n);

/** -1, 0 or 1. */
export function cmp(a: Ratio, b: Ratio): number {
  const x = a.n * b.d;
  const y = b.n * a.d;
  return x < y ? -1 : x > y ? 1 : 0;
}

export const min = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) <= 0 ? a : b);
export const max = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) >= 0 ? a : b);

export type RoundingMode = "down" | "up" | "halfUp" | "halfEven";

/** `value` rounded to `scale` decimal places with `mode` (down and up are toward and away from zero). */
export function round(value: Ratio, scale: number, mode: RoundingMode): Ratio {
  const unit = 10n ** BigInt(scale);
  const scaled = value.n * unit;
  const negative = scaled < 0n;
  const magnitude = abs(scaled);
  let q = magnitude / value.d;
  const r = magnitude % value.d;
  if (r !== 0n) {
    const twice = 2n * r;
    if (mode === "up") q += 1n;
    else if (mode === "halfUp" && twice >= value.d) q += 1n;
    else if (mode === "halfEven" && (twice > value.d || (twice === value.d && q % 2n === 1n)))
      q += 1n;
  }
  return ratio(negative ? -q : q, unit);
}

/** The value as bigint units of 10^-`scale`; throws unless it is exact at that scale. */
export function toUnits(value: Ratio, scale: number): bigint {
  const scaled = value.n * 10n ** BigInt(scale);
  if (scaled % value.d !== 0n) throw new Error(`${show(value)} is not exact at scale ${scale}`);
  return scaled / value.d;
}

/** Units of 10^-`scale` as a fraction. */
export const fromUnits = (units: bigint, scale: number): Ratio =>
  ratio(units, 10n ** BigInt(scale));

/** True when the fraction is a finite decimal with at most `places` decimal places. */
export function isTerminating(value: Ratio, places = 40): boolean {
  return (value.n * 10n ** BigInt(places)) % value.d === 0n;
}

/** The exact decimal text when finite within 40 places, else an approximation marked with "~". */
export function show(value: Ratio): string {
  const places = 40;
  const negative = value.n < 0n;
  const scaled = (abs(value.n) * 10n ** BigInt(places)) / value.d;
  const digits = scaled.toString().padStart(places + 1, "0");
  const whole = digits.slice(0, -places);
  const fraction = digits.slice(-places).replace(/0+$/, "");
  const text = `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
  return isTerminating(value, places) ? text : `~${text}`;
}
