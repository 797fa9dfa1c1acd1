/**
 * The little exact decimal arithmetic the store needs on its own (budget
 * totals inside a batch, "is this lot open"). Everything else is decided by
 * core; the database does its sums in `numeric`.
 */

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

const PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?$/;

function parse(value: string): Scaled {
  const match = PATTERN.exec(value);
  if (match === null || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new TypeError(`not a decimal string: ${JSON.stringify(value)}`);
  }
  const fraction = match[3] ?? "";
  const units = BigInt(`${match[2] || "0"}${fraction}`);
  return { units: match[1] === "-" ? -units : units, scale: fraction.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [
    a.units * 10n ** BigInt(scale - a.scale),
    b.units * 10n ** BigInt(scale - b.scale),
    scale,
  ];
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  let fraction = scale > 0 ? digits.slice(digits.length - scale) : "";
  fraction = fraction.replace(/0+$/, "");
  const text = fraction === "" ? whole : `${whole}.${fraction}`;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** `a + b`, exactly, with trailing fraction zeros dropped. */
export function addDecimal(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format(x + y, scale);
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isZeroDecimal(value: string): boolean {
  return parse(value).units === 0n;
}
