import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec } from "../money/decimal.js";
import type { ClawbackPolicy } from "../program.js";
import { earn } from "./allocate.js";
import { applyChange, budgetAfter, emptySnapshot } from "./apply.js";
import { balanceAt } from "./balance.js";
import { AccountDraft } from "./draft.js";
import { sweepExpired } from "./expire.js";
import { spend } from "./redeem.js";
import { reverseAllocation, reverseRedemption, reversibleCoins } from "./reverse.js";
import type { AccountSnapshot, Entry, Lot, LotMovement, RequestRecord } from "./types.js";

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

/** One decision on a snapshot (after the sweep every command runs first). */
function step<R>(snapshot: AccountSnapshot, at: number, decide: (draft: AccountDraft) => R) {
  const draft = new AccountDraft(snapshot, at);
  sweepExpired(draft);
  const value = decide(draft);
  const change = draft.toChange();
  return { snapshot: applyChange(snapshot, change), entries: change.entries, value };
}

function lotOf(snapshot: AccountSnapshot, id: number): Lot {
  const lot = snapshot.lots.find((l) => l.id === id);
  if (lot === undefined) throw new Error(`no lot ${id}`);
  return lot;
}

const earning = (coins: number, requestId: string, expiresAt: number | null = null) => ({
  coins: new Dec(coins),
  availableAt: T0,
  expiresAt,
  eventId: "e",
  requestId,
});

/** Allocation `a1` of 100 (lot 1), fully spent by redemption `r1`, then `a1` reversed whole. */
function spentThenReversed(policy: ClawbackPolicy) {
  let s = emptySnapshot("u");
  let parts: readonly LotMovement[] = [];
  ({ snapshot: s } = step(s, T0, (d) => {
    earn(d, earning(100, "a1"));
    parts = spend(d, new Dec(100), { requestId: "r1" });
  }));
  const allocation = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
  const reversal = step(s, T0, (d) =>
    reverseAllocation(d, allocation, new Dec(100), policy, { requestId: "x1" }),
  );
  const redemption = record({ requestId: "r1", kind: "redeem", coins: "100", parts });
  return { snapshot: reversal.snapshot, reversal: reversal.value, redemption };
}

describe("reversing an allocation", () => {
  for (const policy of ["debt", "cap"] as const) {
    it(`records what it could not take back as the lot's shortfall (clawback ${policy})`, () => {
      const { snapshot, reversal } = spentThenReversed(policy);
      expect(reversal.taken.toFixed()).toBe("0");
      expect(lotOf(snapshot, 1).shortfall).toBe("100");
      expect(snapshot.debt).toBe(policy === "debt" ? "100" : "0");
    });
  }

  it("never takes coins of its lot that expired: they are not reversible", () => {
    let s = emptySnapshot("u");
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, earning(100, "a1", T0 + 30 * DAY));
      earn(d, earning(100, "a2"));
      spend(d, new Dec(40), { requestId: "r1" }); // all from lot 1
    }));
    const allocation = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
    const out = step(s, T0 + 31 * DAY, (d) => {
      const lot = d.lot(1);
      expect(lot?.expired).toBe("60");
      return reversibleCoins(allocation, lot);
    });
    expect(out.value.toFixed()).toBe("40");
    const taken = step(s, T0 + 31 * DAY, (d) =>
      reverseAllocation(d, allocation, new Dec(40), "debt", { requestId: "x1" }),
    );
    expect(taken.value.lots).toEqual([{ lotId: 2, coins: "40" }]);
    expect(balanceAt(taken.snapshot, T0 + 31 * DAY).available.toFixed()).toBe("60");
  });

  it("has nothing reversible once it expired unspent, or was reversed already", () => {
    const allocation = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
    const lot: Lot = {
      id: 1,
      coins: "100",
      remaining: "0",
      earnedAt: T0,
      availableAt: T0,
      expiresAt: T0 + DAY,
      eventId: "e",
      requestId: "a1",
      expired: "100",
      shortfall: "0",
    };
    expect(reversibleCoins(allocation, lot).toFixed()).toBe("0");
    expect(reversibleCoins({ ...allocation, lotId: null }, undefined).toFixed()).toBe("0");
    // A lot stored before `expired` and `shortfall` existed.
    const { expired: _e, shortfall: _s, ...older } = { ...lot, remaining: "70" };
    expect(reversibleCoins({ ...allocation, reversed: "30" }, older).toFixed()).toBe("70");
  });
});

describe("expiry", () => {
  it("a sweep records the coins it expires on the lot", () => {
    let s = emptySnapshot("u");
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, earning(100, "a1", T0 + DAY));
      spend(d, new Dec(30), { requestId: "r1" });
    }));
    const out = step(s, T0 + DAY, () => undefined);
    expect(lotOf(out.snapshot, 1)).toMatchObject({ remaining: "0", expired: "70" });
  });
});

describe("reversing a redemption", () => {
  it("a restore into a reversed allocation's lot repays its debt first (clawback debt)", () => {
    const { snapshot, redemption } = spentThenReversed("debt");
    const out = step(snapshot, T0, (d) =>
      reverseRedemption(d, redemption, new Dec(100), "debt", { requestId: "x2" }),
    );
    expect(out.value.repaid.toFixed()).toBe("100");
    expect(out.snapshot.debt).toBe("0");
    expect(lotOf(out.snapshot, 1)).toMatchObject({ remaining: "0", shortfall: "0" });
    expect(bookedBalance(out.snapshot).toFixed()).toBe("0");
    expect(out.entries.map((e) => [e.type, e.coins, e.balanceAfter, e.debtAfter])).toEqual([
      ["restore", "100", "0", "0"],
    ]);
  });

  it("a restore into a reversed allocation's lot cancels its forgiven shortfall (clawback cap)", () => {
    const { snapshot, redemption } = spentThenReversed("cap");
    const out = step(snapshot, T0, (d) =>
      reverseRedemption(d, redemption, new Dec(100), "cap", { requestId: "x2" }),
    );
    expect(out.value.repaid.toFixed()).toBe("100");
    expect(lotOf(out.snapshot, 1)).toMatchObject({ remaining: "0", shortfall: "0" });
    expect(bookedBalance(out.snapshot).toFixed()).toBe("0");
    expect(out.entries.map((e) => [e.type, e.coins, e.balanceAfter])).toEqual([
      ["restore", "100", "100"],
      ["reverse", "-100", "0"],
    ]);
    expect(out.entries[1]?.reason).toContain("a1");
    // The entry keeps the lot's remaining coins before the command (for balances in the past).
    expect(out.entries[1]?.lots).toEqual([{ lotId: 1, coins: "100", before: "0" }]);
  });

  it("only what repays no shortfall is spendable again", () => {
    let s = emptySnapshot("u");
    let parts: readonly LotMovement[] = [];
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, earning(100, "a1"));
      parts = spend(d, new Dec(100), { requestId: "r1" });
    }));
    const allocation = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
    ({ snapshot: s } = step(s, T0, (d) =>
      reverseAllocation(d, allocation, new Dec(40), "cap", { requestId: "x1" }),
    ));
    const redemption = record({ requestId: "r1", kind: "redeem", coins: "100", parts });
    const out = step(s, T0, (d) =>
      reverseRedemption(d, redemption, new Dec(100), "cap", { requestId: "x2" }),
    );
    expect(lotOf(out.snapshot, 1)).toMatchObject({ remaining: "60", shortfall: "0" });
    expect(balanceAt(out.snapshot, T0).available.toFixed()).toBe("60");
  });

  it("restored coins pay the account's other debt before they are spendable", () => {
    let s = emptySnapshot("u");
    let parts: readonly LotMovement[] = [];
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, earning(100, "a1"));
      parts = spend(d, new Dec(50), { requestId: "r1" });
    }));
    s = { ...s, debt: "20" };
    const redemption = record({ requestId: "r1", kind: "redeem", coins: "50", parts });
    const out = step(s, T0, (d) =>
      reverseRedemption(d, redemption, new Dec(50), "debt", { requestId: "x2" }),
    );
    expect(out.value.debtPaid.toFixed()).toBe("20");
    expect(out.snapshot.debt).toBe("0");
    expect(lotOf(out.snapshot, 1).remaining).toBe("80");
    expect(out.entries[0]).toMatchObject({
      type: "restore",
      coins: "50",
      reason: "paid 20 of debt",
    });
  });

  it("restored coins whose lot expired repay its shortfall first and expire, counted as expired", () => {
    let s = emptySnapshot("u");
    let parts: readonly LotMovement[] = [];
    ({ snapshot: s } = step(s, T0, (d) => {
      earn(d, earning(100, "a1", T0 + DAY));
      parts = spend(d, new Dec(100), { requestId: "r1" });
    }));
    const allocation = record({ requestId: "a1", kind: "allocate", coins: "100", lotId: 1 });
    ({ snapshot: s } = step(s, T0, (d) =>
      reverseAllocation(d, allocation, new Dec(30), "debt", { requestId: "x1" }),
    ));
    const redemption = record({ requestId: "r1", kind: "redeem", coins: "100", parts });
    const out = step(s, T0 + 2 * DAY, (d) =>
      reverseRedemption(d, redemption, new Dec(100), "debt", { requestId: "x2" }),
    );
    expect(out.value.repaid.toFixed()).toBe("30");
    expect(out.value.expired.toFixed()).toBe("70");
    expect(out.snapshot.debt).toBe("0");
    expect(lotOf(out.snapshot, 1)).toMatchObject({ remaining: "0", expired: "70", shortfall: "0" });
    expect(out.entries.map((e) => [e.type, e.coins])).toEqual([
      ["restore", "100"],
      ["expire", "-70"],
    ]);
    // Nothing of the allocation is left to reverse: 30 reversed, 70 expired.
    expect(
      reversibleCoins({ ...allocation, reversed: "30" }, lotOf(out.snapshot, 1)).toFixed(),
    ).toBe("0");
  });

  it("reversing an allocation and the redemption it paid for, in either order, invents no coins", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        fc.constantFrom("debt" as const, "cap" as const),
        (a, b, aDays, bDays, want, allocationFirst, policy) => {
          let s = emptySnapshot("u");
          const spent = Math.min(want, a + b);
          let parts: readonly LotMovement[] = [];
          let lotId: number | null = null;
          const history: Entry[] = [];
          const run = <R>(decide: (d: AccountDraft) => R) => {
            const out = step(s, T0, decide);
            s = out.snapshot;
            history.push(...out.entries);
            return out.value;
          };
          run((d) => {
            earn(d, earning(b, "b1", bDays === null ? null : T0 + bDays * DAY));
            lotId =
              earn(d, earning(a, "a1", aDays === null ? null : T0 + aDays * DAY)).lot?.id ?? null;
            parts = spend(d, new Dec(spent), { requestId: "r1" });
          });
          const withLot = record({ requestId: "a1", kind: "allocate", coins: String(a), lotId });
          const redemption = record({
            requestId: "r1",
            kind: "redeem",
            coins: String(spent),
            parts,
          });
          const undoAllocation = () =>
            run((d) => reverseAllocation(d, withLot, new Dec(a), policy, { requestId: "x1" }));
          const undoRedemption = () =>
            run((d) =>
              reverseRedemption(d, redemption, new Dec(spent), policy, { requestId: "x2" }),
            );
          if (allocationFirst) {
            undoAllocation();
            undoRedemption();
          } else {
            undoRedemption();
            undoAllocation();
          }
          const figures = balanceAt(s, T0);
          expect(figures.available.toFixed()).toBe(String(b));
          expect(figures.debt.toFixed()).toBe("0");
          // Under "cap" the restore cancels all that was forgiven; under "debt"
          // the debt may have been paid by other restored coins first.
          if (policy === "cap") for (const lot of s.lots) expect(lot.shortfall ?? "0").toBe("0");
          const sum = history.reduce((total, e) => total.plus(e.coins), new Dec(0));
          expect(sum.toFixed()).toBe(bookedBalance(s).toFixed());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("budget counters", () => {
  it("a give-back never takes the counter below 0", () => {
    expect(budgetAfter("100", "-30")).toBe("70");
    expect(budgetAfter("20", "-30")).toBe("0");
    expect(budgetAfter("20", "5")).toBe("25");
  });
});
