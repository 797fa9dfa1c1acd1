import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Dec } from "./decimal.js";
import { down, halfEven, halfUp, isRoundingMode, roundings, up } from "./rounding.js";

const r = (fn: (v: Dec, s: number) => Dec, value: string, scale: number) =>
  fn(new Dec(value), scale).toFixed();

/** Exact decimals built from integers: n / 10^s. */
const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 10 }))
  .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)));
const scale = fc.integer({ min: 0, max: 8 });

describe("rounding modes", () => {
  test("examples at scale 0", () => {
    expect([
      r(down, "2.5", 0),
      r(up, "2.5", 0),
      r(halfUp, "2.5", 0),
      r(halfEven, "2.5", 0),
    ]).toEqual(["2", "3", "3", "2"]);
    expect([r(down, "3.5", 0), r(halfEven, "3.5", 0)]).toEqual(["3", "4"]);
    expect([r(down, "-2.7", 0), r(up, "-2.1", 0)]).toEqual(["-2", "-3"]);
  });

  test("examples at scale 2", () => {
    expect(r(down, "1.239", 2)).toBe("1.23");
    expect(r(up, "1.231", 2)).toBe("1.24");
    expect(r(halfUp, "1.235", 2)).toBe("1.24");
    expect(r(halfEven, "1.245", 2)).toBe("1.24");
  });

  test("isRoundingMode knows exactly the named modes", () => {
    expect(Object.keys(roundings).every(isRoundingMode)).toBe(true);
    expect(isRoundingMode("ceil")).toBe(false);
    expect(isRoundingMode("toString")).toBe(false);
    expect(isRoundingMode(undefined)).toBe(false);
  });
});

describe("properties", () => {
  test("rounding never creates coins: down(x) ≤ x for x ≥ 0", () => {
    fc.assert(
      fc.property(decimal, scale, (x, s) => {
        const value = x.abs();
        expect(down(value, s).lte(value)).toBe(true);
      }),
    );
  });

  test("up(x) ≥ x for x ≥ 0", () => {
    fc.assert(
      fc.property(decimal, scale, (x, s) => {
        const value = x.abs();
        expect(up(value, s).gte(value)).toBe(true);
      }),
    );
  });

  test("every mode lands within one unit of the scale and on the scale", () => {
    fc.assert(
      fc.property(decimal, scale, fc.constantFrom(...Object.values(roundings)), (x, s, mode) => {
        const rounded = mode(x, s);
        expect(rounded.minus(x).abs().lt(new Dec(10).pow(-s))).toBe(true);
        expect(rounded.decimalPlaces()).toBeLessThanOrEqual(s);
      }),
    );
  });

  test("rounding is idempotent: mode(mode(x)) = mode(x)", () => {
    fc.assert(
      fc.property(decimal, scale, fc.constantFrom(...Object.values(roundings)), (x, s, mode) => {
        expect(mode(mode(x, s), s).eq(mode(x, s))).toBe(true);
      }),
    );
  });

  test("rounding is monotone: x ≤ y implies mode(x) ≤ mode(y)", () => {
    fc.assert(
      fc.property(
        decimal,
        decimal,
        scale,
        fc.constantFrom(...Object.values(roundings)),
        (a, b, s, mode) => {
          const [x, y] = a.lte(b) ? [a, b] : [b, a];
          expect(mode(x, s).lte(mode(y, s))).toBe(true);
        },
      ),
    );
  });
});
