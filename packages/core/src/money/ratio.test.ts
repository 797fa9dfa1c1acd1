import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import type { Program } from "../program.js";
import { Dec } from "./decimal.js";
import { canonicalDecimal, coinsToCurrency, coinValueOf, currencyToCoins } from "./ratio.js";
import { roundings } from "./rounding.js";

const program = (over: Partial<Program> = {}): Program => ({
  id: "acme",
  coinValue: "0.25",
  coinScale: 0,
  rounding: "down",
  timeZone: "UTC",
  clawback: "debt",
  ...over,
});

/** Exact decimals n / 10^s with n ≥ 0. */
const decimal = (maxInt: bigint, maxScale: number) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: maxInt }), fc.integer({ min: 0, max: maxScale }))
    .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)).toFixed());
const positive = (maxInt: bigint, maxScale: number) =>
  fc
    .tuple(fc.bigInt({ min: 1n, max: maxInt }), fc.integer({ min: 0, max: maxScale }))
    .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)).toFixed());
const programs = fc
  .record({
    coinValue: positive(10n ** 6n, 4),
    coinScale: fc.integer({ min: 0, max: 8 }),
    rounding: fc.constantFrom(...(Object.keys(roundings) as (keyof typeof roundings)[])),
  })
  .map((p) => program(p));

describe("currencyToCoins", () => {
  test("a coin worth 0.25 gives 4 coins per unit of currency", () => {
    expect(currencyToCoins("12.00", program())).toBe("48");
    expect(currencyToCoins("0.99", program())).toBe("3");
  });

  test("rounds once, at the end, with the program's rounding unless told otherwise", () => {
    expect(currencyToCoins("1", program({ coinValue: "0.3" }))).toBe("3");
    expect(currencyToCoins("1", program({ coinValue: "0.3", rounding: "up" }))).toBe("4");
    expect(currencyToCoins("1", program({ coinValue: "0.3" }), "halfUp")).toBe("3");
    expect(currencyToCoins("1", program({ coinValue: "0.3", coinScale: 2 }))).toBe("3.33");
  });

  test("formats at the coin scale", () => {
    expect(currencyToCoins("1", program({ coinScale: 2 }))).toBe("4.00");
  });

  test("rejects bad amounts with INVALID_INPUT at amount", () => {
    expect(() => currencyToCoins("abc", program())).toThrowError(CoinageError);
    try {
      currencyToCoins(0.1, program());
    } catch (error) {
      expect(CoinageError.is(error, "INVALID_INPUT") && error.details.issues[0]?.path).toBe(
        "amount",
      );
    }
  });

  test("rejects a program with a non-positive coin value", () => {
    expect(() => currencyToCoins("1", program({ coinValue: "0" }))).toThrowError(/coinValue/);
  });
});

describe("coinsToCurrency", () => {
  test("is exact: coins × coinValue, without trailing zeros", () => {
    expect(coinsToCurrency("48", program())).toBe("12");
    expect(coinsToCurrency("3", program())).toBe("0.75");
    expect(coinsToCurrency("7", program({ coinValue: "0.3333" }))).toBe("2.3331");
    expect(coinsToCurrency("0", program())).toBe("0");
    expect(coinsToCurrency("1.5", program({ coinScale: 1 }))).toBe("0.375");
  });

  test("handles debt (negative coins)", () => {
    expect(coinsToCurrency("-4", program())).toBe("-1");
  });
});

describe("canonicalDecimal", () => {
  test("at a scale, writes what toFixed(scale) writes; a zero is never negative", () => {
    const signed = fc
      .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 }))
      .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)));
    fc.assert(
      fc.property(signed, fc.integer({ min: 0, max: 8 }), (value, scale) => {
        expect(canonicalDecimal(value, scale)).toBe(
          (value.isZero() ? new Dec(0) : value).toFixed(scale),
        );
      }),
      { numRuns: 2000 },
    );
    expect(canonicalDecimal(new Dec("-0"), 2)).toBe("0.00");
    expect(canonicalDecimal(new Dec("12.5"), 3)).toBe("12.500");
    expect(canonicalDecimal(new Dec("12"), 2)).toBe("12.00");
    expect(canonicalDecimal(new Dec("12.345"), 2)).toBe("12.34");
  });
});

describe("properties", () => {
  test("coinsToCurrency(currencyToCoins(x)) ≤ x with down rounding", () => {
    fc.assert(
      fc.property(decimal(10n ** 12n, 4), programs, (x, p) => {
        const down = { ...p, rounding: "down" as const };
        const back = coinsToCurrency(currencyToCoins(x, down), down);
        expect(new Dec(back).lte(x)).toBe(true);
      }),
    );
  });

  test("down loses less than one coin's worth: x − value(coins(x)) < coinValue × 10^−scale", () => {
    fc.assert(
      fc.property(decimal(10n ** 12n, 4), programs, (x, p) => {
        const down = { ...p, rounding: "down" as const };
        const loss = new Dec(x).minus(coinsToCurrency(currencyToCoins(x, down), down));
        expect(loss.lt(new Dec(p.coinValue).mul(new Dec(10).pow(-p.coinScale)))).toBe(true);
      }),
    );
  });

  test("coins to currency and back is the identity on coins at the scale", () => {
    fc.assert(
      fc.property(decimal(10n ** 10n, 8), programs, (c, p) => {
        const coins = new Dec(c).toDecimalPlaces(p.coinScale, Dec.ROUND_DOWN).toFixed(p.coinScale);
        expect(currencyToCoins(coinsToCurrency(coins, p), p)).toBe(coins);
      }),
    );
  });

  test("currencyToCoins is monotone in the amount", () => {
    fc.assert(
      fc.property(decimal(10n ** 12n, 4), decimal(10n ** 12n, 4), programs, (a, b, p) => {
        const [x, y] = new Dec(a).lte(b) ? [a, b] : [b, a];
        expect(new Dec(currencyToCoins(x, p)).lte(currencyToCoins(y, p))).toBe(true);
      }),
    );
  });

  test("coinValueOf follows the program's coin value from call to call, valid or not", () => {
    const values = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((n) => new Dec(n).div(1000).toFixed()),
      fc.constantFrom("0", "-1", "abc", "0.25"),
    );
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 6 }), (texts) => {
        const mutable: { -readonly [K in keyof Program]: Program[K] } = program();
        for (const text of texts) {
          mutable.coinValue = text;
          const valid = /^\d+(\.\d+)?$/.test(text) && new Dec(text).gt(0);
          if (valid) expect(coinValueOf(mutable).eq(text)).toBe(true);
          else expect(() => coinValueOf(mutable)).toThrowError(CoinageError);
        }
      }),
    );
  });
});
