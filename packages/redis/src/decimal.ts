/**
 * Exact arithmetic on decimal strings, on `BigInt`, for the one sum the store
 * must do itself: an event's budget counter. Every other amount is decided
 * by core; Lua scripts only compare and store strings.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function parse(value: string): Scaled {
  const match = DECIMAL.exec(value);
  const whole = match?.[2] ?? "";
  const fraction = match?.[3] ?? "";
  if (match === null || (whole === "" && fraction === "")) {
    throw new TypeError(`Not a decimal string: ${JSON.stringify(value)}`);
  }
  const units = BigInt(`${whole || "0"}${fraction}`);
  return { units: match[1] === "-" ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const point = digits.length - scale;
  // Canonical form: no trailing fractional zeros, no lone point, no "-0".
  while (digits.length > point && digits.endsWith("0")) digits = digits.slice(0, -1);
  const text = digits.length > point ? `${digits.slice(0, point)}.${digits.slice(point)}` : digits;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** `a + b`, exact, in canonical form (`"1.50" + "1"` is `"2.5"`). */
export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return format(rescale(x, scale) + rescale(y, scale), scale);
}

/** `a - b`, exact, in canonical form. */
export function subtractDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return format(rescale(x, scale) - rescale(y, scale), scale);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const left = rescale(x, scale);
  const right = rescale(y, scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isZeroDecimal(value: string): boolean {
  return parse(value).units === 0n;
}
