/**
 * The memory store's lot index selects, with binary searches over its sorted
 * arrays, exactly the lots core's `selectLots` picks from every lot.
 */
import { type AccountReads, type Lot, selectLots } from "@coinage/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LotIndex } from "../src/lots.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const instant = (hours: number) => T0 + hours * HOUR;

const lotArb = fc.record({
  coins: fc.integer({ min: 1, max: 50 }),
  earned: fc.integer({ min: 0, max: 10 }),
  activation: fc.integer({ min: 0, max: 6 }),
  expiry: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null, freq: 3 }),
});

/** Lots put in the index one after another, some of them put again with other coins left. */
const historyArb = fc.record({
  lots: fc.array(lotArb, { maxLength: 30 }),
  changes: fc.array(fc.record({ lot: fc.nat(), remaining: fc.integer({ min: 0, max: 50 }) }), {
    maxLength: 30,
  }),
});

const readsArb = fc.record({
  at: fc.integer({ min: -2, max: 50 }).map(instant),
  asOf: fc.integer({ min: -2, max: 50 }).map(instant),
  spend: fc.option(fc.integer({ min: 0, max: 400 }).map(String), { nil: undefined }),
  lotIds: fc.array(fc.integer({ min: 1, max: 35 }), { maxLength: 3 }),
});

describe("memory lot index", () => {
  it("selects what selectLots selects from every lot", () => {
    fc.assert(
      fc.property(historyArb, fc.array(readsArb, { minLength: 1, maxLength: 5 }), (h, reads) => {
        const index = new LotIndex();
        const all = new Map<number, Lot>();
        const put = (lot: Lot) => {
          index.put(lot);
          all.set(lot.id, lot);
        };
        h.lots.forEach((spec, i) => {
          put({
            id: i + 1,
            coins: String(spec.coins),
            remaining: String(spec.coins),
            earnedAt: instant(spec.earned),
            availableAt: instant(spec.earned + spec.activation),
            expiresAt: spec.expiry === null ? null : instant(spec.expiry * 5),
            eventId: null,
            requestId: null,
          });
        });
        for (const change of h.changes) {
          if (all.size === 0) break;
          const lot = all.get((change.lot % all.size) + 1) as Lot;
          put({ ...lot, remaining: String(Math.min(change.remaining, Number(lot.coins))) });
        }
        for (const r of reads) {
          const read: AccountReads = {
            at: r.at,
            ...(r.spend === undefined ? {} : { spend: r.spend }),
            usageKeys: [],
            requestIds: [],
            lotIds: r.lotIds,
          };
          expect(index.select(read, r.asOf)).toEqual(selectLots(all.values(), read, r.asOf));
        }
        const open = [...all.values()].filter((lot) => lot.remaining !== "0");
        const expiries = open.flatMap((lot) => (lot.expiresAt === null ? [] : [lot.expiresAt]));
        expect(index.earliestExpiry()).toBe(expiries.length === 0 ? null : Math.min(...expiries));
      }),
      { numRuns: 500 },
    );
  });
});
