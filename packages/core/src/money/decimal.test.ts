import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import {
  addDecimalStrings as addDecimal,
  compareDecimalStrings as compareDecimal,
  Dec,
  isDecimalString,
  isExactNumber,
  isZeroDecimalString as isZeroDecimal,
  parseDecimal,
  subtractDecimalStrings as subtractDecimal,
  toDecimalString,
} from "./decimal.js";

function issuePath(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) return error.details.issues[0]?.path;
    throw error;
  }
  return undefined;
}

describe("parseDecimal", () => {
  test("accepts plain decimal strings", () => {
    expect(parseDecimal("12.50", "amount").toFixed()).toBe("12.5");
    expect(parseDecimal("-3", "amount").toFixed()).toBe("-3");
    expect(parseDecimal(".5", "amount").toFixed()).toBe("0.5");
    expect(parseDecimal("7.", "amount").toFixed()).toBe("7");
  });

  test("rejects exponents, spaces, empty and overlong strings at the given path", () => {
    for (const bad of ["1e5", " 1", "1 ", "", "0x10", "1,5", "NaN", "Infinity", "1".repeat(65)]) {
      expect(issuePath(() => parseDecimal(bad, "reward.coins"))).toBe("reward.coins");
    }
  });

  test("accepts exact numbers and rejects inexact ones", () => {
    expect(parseDecimal(0.5, "x").toFixed()).toBe("0.5");
    expect(parseDecimal(1200, "x").toFixed()).toBe("1200");
    expect(issuePath(() => parseDecimal(0.1, "x"))).toBe("x");
    expect(issuePath(() => parseDecimal(Number.NaN, "x"))).toBe("x");
    expect(issuePath(() => parseDecimal(2 ** 60, "x"))).toBe("x");
  });

  test("rejects other types", () => {
    for (const bad of [null, undefined, true, {}, [], 10n]) {
      expect(issuePath(() => parseDecimal(bad, "x"))).toBe("x");
    }
  });

  test("uses a private Decimal configuration", () => {
    expect(Dec.precision).toBe(80);
    expect(new Dec(1).div(3).toFixed().length).toBeGreaterThan(70);
  });
});

describe("isExactNumber", () => {
  test("examples", () => {
    expect(isExactNumber(0.25)).toBe(true);
    expect(isExactNumber(0.3)).toBe(false);
    expect(isExactNumber(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isExactNumber(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isExactNumber(Number.POSITIVE_INFINITY)).toBe(false);
  });
});

describe("properties", () => {
  test("a canonical decimal string parses back to the same value", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 12 }),
        (n, s) => {
          const d = new Dec(n.toString()).div(new Dec(10).pow(s));
          const text = toDecimalString(d);
          expect(isDecimalString(text)).toBe(true);
          expect(parseDecimal(text, "x").eq(d)).toBe(true);
        },
      ),
    );
  });

  test("numbers are accepted exactly when their binary value equals their decimal text", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 0, max: 20 }),
        (m, k) => {
          const dyadic = m / 2 ** k;
          expect(isExactNumber(dyadic)).toBe(
            new Dec(m).div(new Dec(2).pow(k)).eq(new Dec(String(dyadic))),
          );
        },
      ),
    );
  });

  test("integers of safe size are exact", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        (n) => {
          expect(isExactNumber(n)).toBe(true);
          expect(parseDecimal(n, "x").toFixed()).toBe(String(n === 0 ? 0 : n));
        },
      ),
    );
  });
});

const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }))
  .map(([units, scale]) => {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  });

describe("decimal string helpers for stores", () => {
  test("addDecimal - keeps trailing zeros out", () => {
    expect(addDecimal("1.50", "1")).toBe("2.5");
    expect(addDecimal("0.1", "0.2")).toBe("0.3");
    expect(subtractDecimal("1", "1.000")).toBe("0");
    expect(isZeroDecimal("-0.00")).toBe(true);
  });

  test("is exact: (a + b) - b equals a", () => {
    fc.assert(
      fc.property(
        decimal,
        decimal,
        (a, b) => compareDecimal(subtractDecimal(addDecimal(a, b), b), a) === 0,
      ),
    );
  });

  test("is commutative: a + b equals b + a", () => {
    fc.assert(fc.property(decimal, decimal, (a, b) => addDecimal(a, b) === addDecimal(b, a)));
  });

  test("orders consistently: compare(a, b) is minus compare(b, a)", () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => compareDecimal(a, b) === -compareDecimal(b, a)),
    );
  });
});
