import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec } from "../money/decimal.js";
import {
  compareSpendOrder,
  isSpendable,
  planConsumption,
  planRedemption,
  spendOrder,
} from "./fifo.js";
import type { Lot } from "./types.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27);

function lot(id: number, remaining: number, fields: Partial<Lot> = {}): Lot {
  return {
    id,
    coins: String(remaining),
    remaining: String(remaining),
    earnedAt: NOW - DAY,
    availableAt: NOW - DAY,
    expiresAt: null,
    eventId: null,
    requestId: null,
    ...fields,
  };
}

describe("planConsumption", () => {
  it("spends earliest expiry first, never-expiring last", () => {
    const lots = [
      lot(1, 100),
      lot(2, 50, { expiresAt: NOW + 30 * DAY }),
      lot(3, 70, { expiresAt: NOW + 10 * DAY }),
    ];
    const plan = planConsumption(lots, new Dec(150), NOW);
    expect(plan.movements).toEqual([
      { lotId: 3, coins: "70" },
      { lotId: 2, coins: "50" },
      { lotId: 1, coins: "30" },
    ]);
    expect(plan.shortfall.toFixed()).toBe("0");
  });

  it("breaks expiry ties by earned time, then lot id", () => {
    const expiresAt = NOW + DAY;
    const lots = [
      lot(5, 10, { expiresAt, earnedAt: NOW - 2 * DAY }),
      lot(4, 10, { expiresAt, earnedAt: NOW - 1 * DAY }),
      lot(3, 10, { expiresAt, earnedAt: NOW - 2 * DAY }),
    ];
    expect(spendOrder(lots, NOW).map((l) => l.id)).toEqual([3, 5, 4]);
  });

  it("skips pending and expired lots and reports the shortfall", () => {
    const lots = [
      lot(1, 40, { availableAt: NOW + DAY }),
      lot(2, 40, { expiresAt: NOW }),
      lot(3, 25),
    ];
    const plan = planRedemption(lots, "30", NOW);
    expect(plan).toEqual({ lots: [{ lotId: 3, coins: "25" }], shortfall: "5", spendable: "25" });
  });

  describe("properties", () => {
    const lotsArb = fc
      .array(
        fc.record({
          remaining: fc.integer({ min: 0, max: 1000 }),
          expiresIn: fc.option(fc.integer({ min: -5, max: 20 }), { nil: null }),
          earnedAgo: fc.integer({ min: 0, max: 5 }),
          availableIn: fc.integer({ min: -3, max: 2 }),
        }),
        { maxLength: 12 },
      )
      .map((specs) =>
        specs.map((s, i) =>
          lot(i + 1, s.remaining, {
            expiresAt: s.expiresIn === null ? null : NOW + s.expiresIn * DAY,
            earnedAt: NOW - s.earnedAgo * DAY,
            availableAt: NOW + s.availableIn * DAY,
          }),
        ),
      );

    it("never takes more from a lot than it holds, and only from spendable lots", () => {
      fc.assert(
        fc.property(lotsArb, fc.integer({ min: 1, max: 5000 }), (lots, coins) => {
          const plan = planConsumption(lots, new Dec(coins), NOW);
          for (const move of plan.movements) {
            const source = lots.find((l) => l.id === move.lotId) as Lot;
            expect(isSpendable(source, NOW)).toBe(true);
            expect(new Dec(move.coins).lte(source.remaining)).toBe(true);
            expect(new Dec(move.coins).gt(0)).toBe(true);
          }
        }),
      );
    });

    it("conserves coins: taken + shortfall = requested, taken = min(requested, spendable)", () => {
      fc.assert(
        fc.property(lotsArb, fc.integer({ min: 1, max: 5000 }), (lots, coins) => {
          const plan = planConsumption(lots, new Dec(coins), NOW);
          const taken = plan.movements.reduce((sum, m) => sum.plus(m.coins), new Dec(0));
          expect(taken.plus(plan.shortfall).toNumber()).toBe(coins);
          expect(taken.toNumber()).toBe(Math.min(coins, plan.spendable.toNumber()));
        }),
      );
    });

    it("is FIFO: every lot consumed comes no later in spend order than any spendable lot left untouched", () => {
      fc.assert(
        fc.property(lotsArb, fc.integer({ min: 1, max: 5000 }), (lots, coins) => {
          const plan = planConsumption(lots, new Dec(coins), NOW);
          const fullyTaken = new Set(
            plan.movements
              .filter((m) => lots.find((l) => l.id === m.lotId)?.remaining === m.coins)
              .map((m) => m.lotId),
          );
          const touched = new Set(plan.movements.map((m) => m.lotId));
          const untouched = spendOrder(lots, NOW).filter((l) => !touched.has(l.id));
          for (const move of plan.movements) {
            const consumed = lots.find((l) => l.id === move.lotId) as Lot;
            for (const left of untouched) expect(compareSpendOrder(consumed, left)).toBeLessThan(0);
          }
          // Only the last lot touched may be partly consumed.
          plan.movements.slice(0, -1).forEach((m) => {
            expect(fullyTaken.has(m.lotId)).toBe(true);
          });
        }),
      );
    });
  });
});
