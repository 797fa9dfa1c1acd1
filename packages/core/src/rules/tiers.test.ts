import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Dec } from "../money/decimal.js";
import { flatTier, progressiveTiers, tierIndex } from "./tiers.js";
import type { Tier } from "./types.js";

const d = (v: string | number) => new Dec(v);
const seedTiers: Tier[] = [
  { from: "0", percent: "5" },
  { from: "10000", percent: "10" },
];
const view = (r: ReturnType<typeof flatTier>) => ({
  currency: r.currency.toFixed(),
  coins: r.coins.toFixed(),
  shares: r.shares.map((s) => [
    s.from.toFixed(),
    s.upTo?.toFixed() ?? null,
    s.percent?.toFixed() ?? null,
    s.currency.toFixed(),
  ]),
});

describe("flat tiers", () => {
  test("5% below 10,000 and 10% from 10,000: the whole amount at its tier", () => {
    expect(flatTier(seedTiers, d("9999.99")).currency.toFixed()).toBe("499.9995");
    expect(flatTier(seedTiers, d("10000")).currency.toFixed()).toBe("1000");
    expect(view(flatTier(seedTiers, d("12000")))).toEqual({
      currency: "1200",
      coins: "0",
      shares: [["10000", null, "10", "1200"]],
    });
    expect(view(flatTier(seedTiers, d("0")))).toEqual({
      currency: "0",
      coins: "0",
      shares: [["0", "10000", "5", "0"]],
    });
  });

  test("fixed-coins tiers pay their coins", () => {
    const tiers: Tier[] = [
      { from: "0", coins: "0" },
      { from: "1000", coins: "50" },
      { from: "5000", coins: "300" },
    ];
    expect(flatTier(tiers, d("999.99")).coins.toFixed()).toBe("0");
    expect(flatTier(tiers, d("1000")).coins.toFixed()).toBe("50");
    expect(flatTier(tiers, d("4999")).coins.toFixed()).toBe("50");
    expect(flatTier(tiers, d("1000000")).coins.toFixed()).toBe("300");
  });

  test("tierIndex: from is inclusive", () => {
    const froms = [0, 100, 200].map((n) => ({ from: d(n) }));
    expect([0, 99.5, 100, 199, 200, 1e9].map((n) => tierIndex(froms, d(n)))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });
});

describe("progressive tiers", () => {
  test("each slice at its own rate", () => {
    expect(view(progressiveTiers(seedTiers, d("12000")))).toEqual({
      currency: "700",
      coins: "0",
      shares: [
        ["0", "10000", "5", "500"],
        ["10000", null, "10", "200"],
      ],
    });
    expect(progressiveTiers(seedTiers, d("10000")).currency.toFixed()).toBe("500");
    expect(progressiveTiers(seedTiers, d("0")).shares).toEqual([]);
  });

  test("three brackets", () => {
    const tiers: Tier[] = [
      { from: "0", percent: "1" },
      { from: "100", percent: "2" },
      { from: "1000", percent: "3" },
    ];
    // 100 × 1% + 900 × 2% + 500 × 3% = 1 + 18 + 15
    expect(progressiveTiers(tiers, d("1500")).currency.toFixed()).toBe("34");
  });
});

/** Tiers starting at 0 with strictly increasing `from` and non-decreasing percents. */
const risingTiers: fc.Arbitrary<Tier[]> = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 6 }),
    fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 7, maxLength: 7 }),
  )
  .map(([froms, rates]) => {
    const sortedRates = [...rates].sort((a, b) => a - b);
    return [0, ...[...froms].sort((a, b) => a - b)].map((from, i) => ({
      from: String(from),
      percent: d(sortedRates[i] ?? 0)
        .div(1000)
        .toFixed(),
    }));
  });
const amount = fc
  .tuple(fc.integer({ min: 0, max: 20_000_000 }), fc.integer({ min: 0, max: 2 }))
  .map(([n, s]) => d(n).div(d(10).pow(s)));

describe("properties", () => {
  test("reward is monotone in amount for non-decreasing tier rates (flat)", () => {
    fc.assert(
      fc.property(risingTiers, amount, amount, (tiers, a, b) => {
        const [x, y] = a.lte(b) ? [a, b] : [b, a];
        expect(flatTier(tiers, x).currency.lte(flatTier(tiers, y).currency)).toBe(true);
      }),
    );
  });

  test("reward is monotone in amount for any tier rates (progressive)", () => {
    fc.assert(
      fc.property(risingTiers, amount, amount, (tiers, a, b) => {
        const [x, y] = a.lte(b) ? [a, b] : [b, a];
        expect(progressiveTiers(tiers, x).currency.lte(progressiveTiers(tiers, y).currency)).toBe(
          true,
        );
      }),
    );
  });

  test("progressive ≤ flat when rates increase", () => {
    fc.assert(
      fc.property(risingTiers, amount, (tiers, x) => {
        expect(progressiveTiers(tiers, x).currency.lte(flatTier(tiers, x).currency)).toBe(true);
      }),
    );
  });

  test("progressive slices cover exactly [0, amount)", () => {
    fc.assert(
      fc.property(risingTiers, amount, (tiers, x) => {
        const shares = progressiveTiers(tiers, x).shares;
        let covered = d(0);
        for (const share of shares) {
          expect(share.from.eq(covered)).toBe(true);
          const top = share.upTo === undefined || x.lt(share.upTo) ? x : share.upTo;
          covered = top;
        }
        expect(covered.eq(x)).toBe(true);
      }),
    );
  });

  test("the flat tier holds the amount: from ≤ amount < upTo", () => {
    fc.assert(
      fc.property(risingTiers, amount, (tiers, x) => {
        const [share] = flatTier(tiers, x).shares;
        expect(share?.from.lte(x)).toBe(true);
        if (share?.upTo !== undefined) expect(x.lt(share.upTo)).toBe(true);
      }),
    );
  });

  test("one tier: flat and progressive agree", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), amount, (rate, x) => {
        const tiers: Tier[] = [{ from: "0", percent: d(rate).div(100).toFixed() }];
        expect(progressiveTiers(tiers, x).currency.eq(flatTier(tiers, x).currency)).toBe(true);
      }),
    );
  });

  test("the flat tier is the last whose from ≤ amount (0 if none), in any order of tiers", () => {
    const froms = fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 8 });
    fc.assert(
      fc.property(froms, fc.integer({ min: -1, max: 1001 }), (list, x) => {
        let last = 0;
        list.forEach((from, i) => {
          if (from <= x) last = i;
        });
        expect(
          tierIndex(
            list.map((from) => ({ from: d(from) })),
            d(x),
          ),
        ).toBe(last);
      }),
    );
  });

  test("a percent of an amount is slice × percent × 0.01, the same number as slice × percent ÷ 100", () => {
    const exact = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 33n }), fc.integer({ min: 0, max: 20 }))
      .map(([n, s]) => d(n.toString()).div(d(10).pow(s)));
    fc.assert(
      fc.property(exact, exact, (x, rate) => {
        const tiers: Tier[] = [{ from: "0", percent: rate.toFixed() }];
        const expected = x.mul(rate).div(100);
        const got = flatTier(tiers, x).currency;
        expect(got.toFixed()).toBe(expected.toFixed());
        expect(got.isNegative()).toBe(expected.isNegative());
      }),
      { numRuns: 1000 },
    );
  });
});
