/**
 * Validation of the engine's public inputs. Every rejection names its field.
 * Records and options are first read once as plain data (`readInput`), so a
 * getter or Proxy that throws is `INVALID_INPUT` at its path, and nothing
 * read can change between its check and its use.
 */
import { CoinageError, invalidInput } from "../errors.js";
import { dateTime, readInput } from "../input.js";
import { type Dec, parseDecimal } from "../money/decimal.js";

/** Longest id (user, event, request, program) accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;
export const MAX_PAGE_SIZE = 500;
export const MAX_BULK_ITEMS = 10_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * An input record, read once as plain data (see `readInput`); its fields'
 * paths start at `children` (`path` by default).
 */
export function requireRecord(
  value: unknown,
  path: string,
  children: string = path,
): Record<string, unknown> {
  const record = readInput(value, path, { children });
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw invalidInput({ path, message: "expected an object" });
  }
  return record as Record<string, unknown>;
}

/** Optional settings of a call (`{ limit, cursor }`, …): an empty record when left out. */
export function optionalSettings(value: unknown, path: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : requireRecord(value, path, "");
}

export function requireId(value: unknown, path: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw invalidInput({ path, message: "expected a non-empty string" });
  }
  if (value.length > MAX_ID_LENGTH) {
    throw invalidInput({ path, message: `must be at most ${MAX_ID_LENGTH} characters` });
  }
  if (LONE_SURROGATE.test(value)) {
    throw invalidInput({ path, message: "must be well-formed unicode (no lone surrogates)" });
  }
  if (value.includes("\u0000"))
    throw invalidInput({ path, message: "must not contain NUL characters" });
  return value;
}

export function optionalReason(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  if (
    typeof value !== "string" ||
    value.length > MAX_REASON_LENGTH ||
    LONE_SURROGATE.test(value) ||
    value.includes("\u0000")
  ) {
    throw invalidInput({
      path,
      message: `expected a string of at most ${MAX_REASON_LENGTH} characters`,
    });
  }
  return value;
}

/** Coins: a positive decimal with at most `scale` decimal places. */
export function requireCoins(
  value: unknown,
  path: string,
  scale: number,
  options?: { allowNegative?: boolean },
): Dec {
  const coins = parseDecimal(value, path);
  if (coins.isZero() || (coins.isNegative() && !options?.allowNegative)) {
    throw invalidInput({
      path,
      message: options?.allowNegative ? "must not be zero" : "must be greater than zero",
    });
  }
  if (coins.decimalPlaces() > scale) {
    throw invalidInput({
      path,
      message: `coins have at most ${scale} decimal places in this program`,
    });
  }
  return coins;
}

export function optionalAmount(value: unknown, path: string): Dec | undefined {
  if (value === undefined || value === null) return undefined;
  const amount = parseDecimal(value, path);
  if (amount.isNegative()) throw invalidInput({ path, message: "must not be negative" });
  return amount;
}

export function pageLimit(
  value: unknown,
  path: string,
  fallback: number,
  max: number = MAX_PAGE_SIZE,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidInput({ path, message: `expected an integer from 1 to ${max}` });
  }
  return value;
}

export function optionalInstant(value: unknown, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = dateTime(value);
  if (time === undefined || Number.isNaN(time)) {
    throw invalidInput({ path, message: "expected a valid Date" });
  }
  return new Date(time);
}

/**
 * Any failure as a `CoinageError`. Stores report their backend failures as
 * `STORE_UNAVAILABLE` themselves (the one code a caller may retry); anything
 * else that is not a `CoinageError` (a bug, a corrupt record) is `INTERNAL`,
 * with the original error as `cause`.
 */
export function asCoinageError(operation: string, error: unknown): CoinageError {
  if (isCoinageError(error)) return error;
  return new CoinageError(
    "INTERNAL",
    { operation },
    { message: `Coinage failed during ${operation}: ${messageOf(error)}`, cause: error },
  );
}

function isCoinageError(error: unknown): error is CoinageError {
  try {
    return error instanceof CoinageError;
  } catch {
    return false; // a Proxy whose prototype cannot be read
  }
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable error";
  }
}
