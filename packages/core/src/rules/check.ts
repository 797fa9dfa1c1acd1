/**
 * Small helpers shared by the parsers: an issue collector, safe reads of
 * untrusted objects (own properties only), and decimal checks that record
 * an issue instead of throwing.
 */
import { CoinageError, type InputIssue } from "../errors.js";
import { join } from "../input.js";
import { type Dec, parseDecimal } from "../money/decimal.js";
import { canonicalDecimal } from "../money/ratio.js";

/** Collects every issue of one parse, to be thrown together. */
export class Issues {
  readonly list: InputIssue[] = [];

  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }

  get count(): number {
    return this.list.length;
  }
}

export type Obj = Readonly<Record<string, unknown>>;

/** A plain object: created by a literal, `JSON.parse` or `Object.create(null)`; not an array, class instance or box. */
export function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An own property, never one inherited from a prototype. */
export function own(obj: Obj, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function has(obj: Obj, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== undefined;
}

/** Records an issue for every own key of `obj` not in `allowed`. */
export function checkKeys(
  obj: Obj,
  allowed: readonly string[],
  path: string,
  issues: Issues,
): void {
  const keys = Object.keys(obj);
  let reported = 0;
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    if (reported === 10) {
      issues.add(path, "more unknown keys");
      return;
    }
    issues.add(join(path, key), `unknown key; expected one of ${allowed.join(", ")}`);
    reported += 1;
  }
}

/** Reads an object at `path`, recording an issue when it is not a plain object. */
export function objectAt(value: unknown, path: string, issues: Issues): Obj | undefined {
  if (isPlainObject(value)) return value;
  if (value === undefined) return issues.add(path, "is required");
  return issues.add(path, `expected an object, got ${describe(value)}`);
}

export interface DecimalBounds {
  /** Lower bound; exclusive when `above` is true. */
  readonly min?: string;
  readonly above?: boolean;
  readonly max?: string;
}

/** Integer digits and decimal places allowed in a rule's decimals. */
export const MAX_INTEGER_DIGITS = 15;
export const MAX_DECIMAL_PLACES = 18;

/** A decimal (string, or exact number) within bounds, as its canonical string; records an issue otherwise. */
export function decimalAt(
  value: unknown,
  path: string,
  issues: Issues,
  bounds: DecimalBounds = {},
): Dec | undefined {
  if (value === undefined) return issues.add(path, "is required");
  let d: Dec;
  try {
    d = parseDecimal(value, path);
  } catch (error) {
    if (!CoinageError.is(error, "INVALID_INPUT")) throw error;
    for (const issue of error.details.issues) issues.add(issue.path, issue.message);
    return undefined;
  }
  if (d.decimalPlaces() > MAX_DECIMAL_PLACES) {
    return issues.add(path, `at most ${MAX_DECIMAL_PLACES} decimal places`);
  }
  if (d.abs().gte(`1e${MAX_INTEGER_DIGITS}`)) {
    return issues.add(path, `must be less than 10^${MAX_INTEGER_DIGITS}`);
  }
  if (bounds.min !== undefined) {
    if (bounds.above ? !d.gt(bounds.min) : !d.gte(bounds.min)) {
      return issues.add(
        path,
        bounds.above ? `must be greater than ${bounds.min}` : `must be at least ${bounds.min}`,
      );
    }
  }
  if (bounds.max !== undefined && d.gt(bounds.max)) {
    return issues.add(path, `must be at most ${bounds.max}`);
  }
  return d;
}

export function decimalStringAt(
  value: unknown,
  path: string,
  issues: Issues,
  bounds: DecimalBounds = {},
): string | undefined {
  const d = decimalAt(value, path, issues, bounds);
  return d === undefined ? undefined : canonicalDecimal(d);
}

/** An integer number in `[min, max]`. */
export function integerAt(
  value: unknown,
  path: string,
  issues: Issues,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return issues.add(path, "is required");
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return issues.add(path, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) return issues.add(path, `must be between ${min} and ${max}`);
  return value === 0 ? 0 : value;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A string of `1..max` UTF-16 units. Any Unicode is accepted except NUL and
 * unpaired surrogates, which no JSON store (Postgres `text`/`jsonb`, Redis
 * clients) can hold faithfully.
 */
export function textAt(
  value: unknown,
  path: string,
  issues: Issues,
  max: number,
): string | undefined {
  if (value === undefined) return issues.add(path, "is required");
  if (typeof value !== "string")
    return issues.add(path, `expected a string, got ${describe(value)}`);
  if (value.length === 0) return issues.add(path, "must not be empty");
  if (value.length > max) return issues.add(path, `must be at most ${max} characters`);
  const problem = textProblem(value);
  if (problem !== null) return issues.add(path, problem);
  return value;
}

export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain the NUL character";
  if (LONE_SURROGATE.test(value)) return "must not contain unpaired surrogates (not valid Unicode)";
  return null;
}

export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  path: string,
  issues: Issues,
): T | undefined {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value))
    return value as T;
  if (value === undefined)
    return issues.add(
      path,
      `is required; one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  return issues.add(
    path,
    `expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describeValue(value)}`,
  );
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value;
}

function describeValue(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return describe(value);
}
