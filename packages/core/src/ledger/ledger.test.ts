import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec } from "../money/decimal.js";
import { earn } from "./allocate.js";
import { applyChange, emptySnapshot } from "./apply.js";
import { balanceAt } from "./balance.js";
import { AccountDraft } from "./draft.js";
import { sweepExpired } from "./expire.js";
import { spend } from "./redeem.js";
import { reverseAllocation, reverseRedemption, reversibleCoins } from "./reverse.js";
import type { AccountSnapshot, Entry, RequestRecord } from "./types.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/**
 * Remaining coins of every lot minus debt, summed over the snapshot's lots
 * (which here hold every lot of the account); checks the totals agree.
 */
function bookedBalance(snapshot: AccountSnapshot): Dec {
  let open = new Dec(0);
  let pending = new Dec(0);
  for (const lot of snapshot.lots) {
    open = open.plus(lot.remaining);
    if (lot.availableAt > snapshot.totals.asOf) pending = pending.plus(lot.remaining);
  }
  expect(snapshot.totals.open).toBe(open.toFixed());
  expect(snapshot.totals.pending).toBe(pending.toFixed());
  return open.minus(snapshot.debt);
}

function record(
  fields: Partial<RequestRecord> & Pick<RequestRecord, "requestId" | "kind" | "coins">,
): RequestRecord {
  return {
    userId: "u",
    fingerprint: "f",
    at: T0,
    result: null,
    reversed: "0",
    lotId: null,
    parts: [],
    ...fields,
  };
}

/** Runs one decision on a snapshot and returns the snapshot after it, plus its entries. */
function step(snapshot: AccountSnapshot, at: number, decide: (draft: AccountDraft) => void) {
  const draft = new AccountDraft(snapshot, at);
  sweepExpired(draft);
  decide(draft);
  const change = draft.toChange();
  return { snapshot: applyChange(snapshot, change), entries: change.entries };
}

describe("ledger decisions", () => {
  it("earnings pay off debt first and the lot keeps the rest", () => {
    let s = { ...emptySnapshot("u"), debt: "30" };
    const draft = new AccountDraft(s, T0);
    const { lot, debtPaid } = earn(draft, {
      coins: new Dec(100),
      availableAt: T0,
      expiresAt: null,
      eventId: "e",
      requestId: "r1",
    });
    s = applyChange(s, draft.toChange());
    expect(debtPaid.toFixed()).toBe("30");
    expect(lot?.remaining).toBe("70");
    expect(s.debt).toBe("0");
    expect(draft.entries()[0]).toMatchObject({
      type: "earn",
      coins: "100",
      balanceAfter: "70",
      debtAfter: "0",
    });
  });

  it("reverses an allocation from its own lot, then FIFO, then as debt", () => {
    let s = emptySnapshot("u");
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, {
        coins: new Dec(100),
        availableAt: T0,
        expiresAt: T0 + 30 * DAY,
        eventId: "e",
        requestId: "a1",
      });
      earn(d, {
        coins: new Dec(50),
        availableAt: T0,
        expiresAt: T0 + 10 * DAY,
        eventId: "e",
        requestId: "a2",
      });
      spend(d, new Dec(90), { requestId: "r1" }); // 50 from lot 2, 40 from lot 1
    }));
    const original = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
    let result: ReturnType<typeof reverseAllocation> | undefined;
    ({ snapshot: s } = step(s, T0 + DAY, (d) => {
      result = reverseAllocation(d, original, new Dec(100), "debt", { requestId: "x1" });
    }));
    expect(result?.taken.toFixed()).toBe("60");
    expect(result?.debt.toFixed()).toBe("40");
    expect(s.debt).toBe("40");
    expect(bookedBalance(s).toFixed()).toBe("-40");
  });

  it("forgives the missing part under the cap policy", () => {
    let s = emptySnapshot("u");
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, {
        coins: new Dec(10),
        availableAt: T0,
        expiresAt: null,
        eventId: "e",
        requestId: "a1",
      });
      spend(d, new Dec(10), { requestId: "r1" });
    }));
    let result: ReturnType<typeof reverseAllocation> | undefined;
    const out = step(s, T0, (d) => {
      result = reverseAllocation(
        d,
        record({ requestId: "a1", kind: "allocate", coins: "10", lotId: 1 }),
        new Dec(10),
        "cap",
        {
          requestId: "x",
        },
      );
    });
    expect(result?.forgiven.toFixed()).toBe("10");
    expect(out.snapshot.debt).toBe("0");
    expect(out.entries).toEqual([]);
  });

  it("restores a redemption into its lots; coins of an expired lot expire at once", () => {
    let s = emptySnapshot("u");
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, {
        coins: new Dec(30),
        availableAt: T0,
        expiresAt: T0 + DAY,
        eventId: "e",
        requestId: "a1",
      });
      earn(d, {
        coins: new Dec(30),
        availableAt: T0,
        expiresAt: T0 + 9 * DAY,
        eventId: "e",
        requestId: "a2",
      });
      spend(d, new Dec(50), { requestId: "r1" });
    }));
    const original = record({
      requestId: "r1",
      kind: "redeem",
      coins: "50",
      parts: [
        { lotId: 1, coins: "30" },
        { lotId: 2, coins: "20" },
      ],
    });
    const out = step(s, T0 + 2 * DAY, (d) => {
      const r = reverseRedemption(d, original, new Dec(50), "debt", { requestId: "x" });
      expect(r.restored.toFixed()).toBe("50");
      expect(r.expired.toFixed()).toBe("30");
    });
    expect(out.entries.map((e) => [e.type, e.coins])).toEqual([
      ["restore", "50"],
      ["expire", "-30"],
    ]);
    expect(balanceAt(out.snapshot, T0 + 2 * DAY).available.toFixed()).toBe("30");
    expect(out.snapshot.lots.find((l) => l.id === 2)?.remaining).toBe("30");
  });

  describe("properties", () => {
    type Op =
      | { kind: "earn"; coins: number; expiresIn: number | null; pendingFor: number }
      | { kind: "spend"; coins: number }
      | { kind: "reverseEarn"; pick: number; coins: number }
      | { kind: "reverseSpend"; pick: number; coins: number }
      | { kind: "advance"; days: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant("earn" as const),
        coins: fc.integer({ min: 1, max: 500 }),
        expiresIn: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        pendingFor: fc.integer({ min: 0, max: 2 }),
      }),
      fc.record({ kind: fc.constant("spend" as const), coins: fc.integer({ min: 1, max: 600 }) }),
      fc.record({
        kind: fc.constant("reverseEarn" as const),
        pick: fc.nat(),
        coins: fc.integer({ min: 1, max: 500 }),
      }),
      fc.record({
        kind: fc.constant("reverseSpend" as const),
        pick: fc.nat(),
        coins: fc.integer({ min: 1, max: 500 }),
      }),
      fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 7 }) }),
    );

    it("conservation: the history sums to the booked balance, lots stay within [0, coins], debt ≥ 0", () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 40 }),
          fc.constantFrom("debt" as const, "cap" as const),
          (ops, policy) => {
            let s = emptySnapshot("u");
            let at = T0;
            const history: Entry[] = [];
            const earns: RequestRecord[] = [];
            const spends: RequestRecord[] = [];
            let n = 0;
            for (const op of ops) {
              if (op.kind === "advance") {
                at += op.days * DAY;
                continue;
              }
              n += 1;
              const id = `q${n}`;
              try {
                const out = step(s, at, (d) => {
                  if (op.kind === "earn") {
                    const { lot } = earn(d, {
                      coins: new Dec(op.coins),
                      availableAt: at + op.pendingFor * DAY,
                      expiresAt: op.expiresIn === null ? null : at + op.expiresIn * DAY,
                      eventId: "e",
                      requestId: id,
                    });
                    earns.push(
                      record({
                        requestId: id,
                        kind: "allocate",
                        coins: String(op.coins),
                        lotId: lot?.id ?? null,
                      }),
                    );
                  } else if (op.kind === "spend") {
                    const parts = spend(d, new Dec(op.coins), { requestId: id });
                    spends.push(
                      record({ requestId: id, kind: "redeem", coins: String(op.coins), parts }),
                    );
                  } else {
                    const list = op.kind === "reverseEarn" ? earns : spends;
                    if (list.length === 0) return;
                    const index = op.pick % list.length;
                    const original = list[index] as RequestRecord;
                    const left =
                      op.kind === "reverseEarn"
                        ? reversibleCoins(
                            original,
                            original.lotId === null ? undefined : d.lot(original.lotId),
                          )
                        : new Dec(original.coins).minus(original.reversed);
                    const coins = Dec.min(left, new Dec(op.coins));
                    if (coins.lte(0)) return;
                    if (op.kind === "reverseEarn")
                      reverseAllocation(d, original, coins, policy, { requestId: id });
                    else reverseRedemption(d, original, coins, policy, { requestId: id });
                    list[index] = {
                      ...original,
                      reversed: new Dec(original.reversed).plus(coins).toFixed(),
                    };
                  }
                });
                s = out.snapshot;
                history.push(...out.entries);
              } catch (error) {
                expect((error as { code?: string }).code).toBe("INSUFFICIENT_COINS");
              }
              const sum = history.reduce((total, e) => total.plus(e.coins), new Dec(0));
              expect(sum.toFixed()).toBe(bookedBalance(s).toFixed());
              const last = history[history.length - 1];
              if (last !== undefined) expect(last.balanceAfter).toBe(bookedBalance(s).toFixed());
              for (const lot of s.lots) {
                expect(new Dec(lot.remaining).gte(0)).toBe(true);
                expect(new Dec(lot.remaining).lte(lot.coins)).toBe(true);
                expect(new Dec(lot.expired ?? 0).gte(0)).toBe(true);
                expect(new Dec(lot.expired ?? 0).lte(lot.coins)).toBe(true);
                expect(new Dec(lot.shortfall ?? 0).gte(0)).toBe(true);
              }
              expect(new Dec(s.debt).gte(0)).toBe(true);
              if (policy === "cap") expect(s.debt).toBe("0");
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
