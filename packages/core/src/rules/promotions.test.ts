import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Dec } from "../money/decimal.js";
import { activePromotions, combineMultipliers, promotionMultiplier } from "./promotions.js";
import type { Promotion } from "./types.js";

const holiday: Promotion = {
  id: "double",
  multiplier: "2",
  from: "2026-11-27T00:00:00.000Z",
  until: "2026-12-01T00:00:00.000Z",
};
const weekend: Promotion = {
  id: "weekend",
  multiplier: "1.5",
  from: "2026-11-28T00:00:00.000Z",
  until: "2026-11-30T00:00:00.000Z",
};

describe("activePromotions", () => {
  test("active in [from, until)", () => {
    const at = (iso: string) => activePromotions([holiday], new Date(iso)).map((p) => p.id);
    expect(at("2026-11-26T23:59:59.999Z")).toEqual([]);
    expect(at("2026-11-27T00:00:00.000Z")).toEqual(["double"]);
    expect(at("2026-11-30T23:59:59.999Z")).toEqual(["double"]);
    expect(at("2026-12-01T00:00:00.000Z")).toEqual([]);
    expect(activePromotions(undefined, new Date())).toEqual([]);
  });
});

describe("promotionMultiplier", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  test("double coins during a holiday sale", () => {
    const { active, multiplier } = promotionMultiplier([holiday], undefined, now);
    expect(active).toEqual([{ id: "double", multiplier: "2" }]);
    expect(multiplier.toFixed()).toBe("2");
  });

  test("several at once: max by default, or multiply", () => {
    expect(promotionMultiplier([holiday, weekend], undefined, now).multiplier.toFixed()).toBe("2");
    expect(promotionMultiplier([holiday, weekend], "max", now).multiplier.toFixed()).toBe("2");
    expect(promotionMultiplier([holiday, weekend], "multiply", now).multiplier.toFixed()).toBe("3");
  });

  test("none active is 1", () => {
    expect(
      promotionMultiplier(
        [holiday],
        "multiply",
        new Date("2027-01-01T00:00:00Z"),
      ).multiplier.toFixed(),
    ).toBe("1");
  });

  test("under max, a lone multiplier below 1 still applies", () => {
    expect(combineMultipliers([new Dec("0.5")]).toFixed()).toBe("0.5");
  });
});

const multiplier = fc.integer({ min: 1, max: 100_000 }).map((n) => new Dec(n).div(100));
const multipliers = fc.array(multiplier, { maxLength: 8 });

describe("properties", () => {
  test("promotion stacking multiply is order-free", () => {
    fc.assert(
      fc.property(
        multipliers.chain((ms) =>
          fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms, { minLength: ms.length })),
        ),
        ([ms, shuffled]) => {
          expect(
            combineMultipliers(ms, "multiply").eq(combineMultipliers(shuffled, "multiply")),
          ).toBe(true);
        },
      ),
    );
  });

  test("promotion stacking max is order-free and picks one of them", () => {
    fc.assert(
      fc.property(multipliers, (ms) => {
        const m = combineMultipliers(ms, "max");
        expect(combineMultipliers([...ms].reverse(), "max").eq(m)).toBe(true);
        if (ms.length === 0) expect(m.eq(1)).toBe(true);
        else expect(ms.some((x) => x.eq(m)) && ms.every((x) => x.lte(m))).toBe(true);
      }),
    );
  });

  test("with multipliers ≥ 1, multiply ≥ max", () => {
    fc.assert(
      fc.property(
        fc.array(
          multiplier.map((m) => m.plus(1)),
          { maxLength: 6 },
        ),
        (ms) => {
          expect(combineMultipliers(ms, "multiply").gte(combineMultipliers(ms, "max"))).toBe(true);
        },
      ),
    );
  });

  test("a promotion is active exactly when from ≤ now < until", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.integer({ min: -(10 ** 9), max: 2 * 10 ** 9 }),
        (from, length, offset) => {
          const promo: Promotion = {
            id: "p",
            multiplier: "2",
            from: new Date(from).toISOString(),
            until: new Date(from + length).toISOString(),
          };
          const now = from + offset;
          const expected = from <= now && now < from + length;
          expect(activePromotions([promo], new Date(now)).length === 1).toBe(expected);
        },
      ),
    );
  });
});
