/**
 * Bounded reads: a snapshot holds only the lots `selectLots` picks, and the
 * totals stand in for the rest. Every figure computed from it must be the
 * one a sum over every open lot gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec, ZERO } from "../money/decimal.js";
import { earn } from "./allocate.js";
import { balanceAt } from "./balance.js";
import { AccountDraft } from "./draft.js";
import { sweepExpired } from "./expire.js";
import { isExpired, isPending, spendOrder } from "./fifo.js";
import { spend } from "./redeem.js";
import { reverseAllocation, reverseRedemption } from "./reverse.js";
import { selectLots } from "./select.js";
import type { AccountReads, AccountSnapshot, AccountTotals, Lot, RequestRecord } from "./types.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
/** Instants on a coarse grid, so that ties (same expiry, same activation) are common. */
const instant = (hours: number) => T0 + hours * HOUR;

/** The balance as it was computed before totals: a sum over every open lot. */
function balanceOverEveryLot(lots: readonly Lot[], debt: string, at: number) {
  let available = ZERO;
  let pending = ZERO;
  let nextAt: number | null = null;
  let nextCoins = ZERO;
  for (const lot of lots) {
    const remaining = new Dec(lot.remaining);
    if (remaining.lte(0) || isExpired(lot, at)) continue;
    if (isPending(lot, at)) pending = pending.plus(remaining);
    else available = available.plus(remaining);
    if (lot.expiresAt !== null) {
      if (nextAt === null || lot.expiresAt < nextAt) {
        nextAt = lot.expiresAt;
        nextCoins = remaining;
      } else if (lot.expiresAt === nextAt) nextCoins = nextCoins.plus(remaining);
    }
  }
  return {
    available: available.toFixed(),
    pending: pending.toFixed(),
    debt: new Dec(debt).toFixed(),
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins.toFixed() },
  };
}

function figures(f: ReturnType<typeof balanceAt>) {
  return {
    available: f.available.toFixed(),
    pending: f.pending.toFixed(),
    debt: f.debt.toFixed(),
    nextExpiry:
      f.nextExpiry === null ? null : { at: f.nextExpiry.at, coins: f.nextExpiry.coins.toFixed() },
  };
}

/** The exact next change of open lots at `asOf`: what `nextChangeAt` must never pass. */
function exactNextChange(lots: readonly Lot[], asOf: number): number | null {
  let next: number | null = null;
  for (const lot of lots) {
    if (new Dec(lot.remaining).lte(0)) continue;
    for (const t of [lot.expiresAt, lot.availableAt > asOf ? lot.availableAt : null]) {
      if (t !== null && (next === null || t < next)) next = t;
    }
  }
  return next;
}

/** Totals of a full set of lots at `asOf`, with `nextChangeAt` lowered by `slack` hours. */
function totalsOf(lots: readonly Lot[], asOf: number, slack: number): AccountTotals {
  let open = ZERO;
  let pending = ZERO;
  for (const lot of lots) {
    open = open.plus(lot.remaining);
    if (isPending(lot, asOf)) pending = pending.plus(lot.remaining);
  }
  const exact = exactNextChange(lots, asOf);
  return {
    open: open.toFixed(),
    pending: pending.toFixed(),
    asOf,
    nextChangeAt: exact === null ? null : exact - slack * HOUR,
  };
}

const lotsArb = fc
  .array(
    fc.record({
      coins: fc.integer({ min: 1, max: 100 }),
      spent: fc.integer({ min: 0, max: 100 }),
      earned: fc.integer({ min: -30, max: 0 }),
      activation: fc.integer({ min: 0, max: 12 }),
      /** Expiries on a grid of a few instants: lots often share one. */
      expiry: fc.option(fc.integer({ min: -1, max: 8 }), { nil: null, freq: 3 }),
    }),
    { maxLength: 14 },
  )
  .map((specs) =>
    specs.map(
      (s, i): Lot => ({
        id: i + 1,
        coins: String(s.coins),
        remaining: String(Math.max(s.coins - s.spent, 0)),
        earnedAt: instant(s.earned),
        availableAt: instant(s.earned + s.activation),
        expiresAt: s.expiry === null ? null : instant(s.expiry * 5),
        eventId: "e",
        requestId: `a${i + 1}`,
        expired: "0",
        shortfall: "0",
      }),
    ),
  );

const accountArb = fc.record({
  lots: lotsArb,
  asOf: fc.integer({ min: -10, max: 20 }).map(instant),
  slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
  debt: fc.oneof(fc.constant("0"), fc.integer({ min: 1, max: 50 }).map(String)),
});

type Account = { lots: Lot[]; asOf: number; slack: number; debt: string };

function snapshotOf(account: Account, lots: readonly Lot[]): AccountSnapshot {
  return {
    userId: "u",
    version: 1,
    totals: totalsOf(account.lots, account.asOf, account.slack),
    lots,
    debt: account.debt,
    nextLotId: account.lots.length + 1,
    nextEntrySeq: 1,
    usage: {},
    requests: {},
  };
}

function reads(at: number, extra: Partial<AccountReads> = {}): AccountReads {
  return { at, usageKeys: [], requestIds: [], lotIds: [], ...extra };
}

/** Instants around what matters for an account: its totals' instant, its next change, its lots' dates. */
function instantsFor(account: Account, pick: number): number[] {
  const totals = totalsOf(account.lots, account.asOf, account.slack);
  const dates = account.lots.flatMap((lot) => [lot.availableAt, lot.expiresAt ?? lot.earnedAt]);
  const around = [totals.asOf, totals.nextChangeAt ?? totals.asOf, ...dates];
  const chosen = around[pick % around.length] as number;
  return [chosen - 1, chosen, chosen + 1, totals.asOf - 5 * HOUR, instant(1000)];
}

describe("balance from totals and the selected lots", () => {
  it("equals the sum over every open lot, at any instant: past, before and after nextChangeAt, future", () => {
    fc.assert(
      fc.property(
        accountArb,
        fc.nat(),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        (account, pick, spendCoins) => {
          for (const at of instantsFor(account, pick)) {
            const read = reads(at, spendCoins === undefined ? {} : { spend: String(spendCoins) });
            const selected = selectLots(account.lots, read, account.asOf);
            const got = balanceAt(snapshotOf(account, selected), at);
            expect(figures(got), `at ${at}`).toEqual(
              balanceOverEveryLot(account.lots, account.debt, at),
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("selects lots sorted by id, without duplicates, every asked id that exists", () => {
    fc.assert(
      fc.property(
        accountArb,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 4 }),
        (account, pick, asked) => {
          const [at] = instantsFor(account, pick) as [number];
          const selected = selectLots(account.lots, reads(at, { lotIds: asked }), account.asOf);
          const ids = selected.map((lot) => lot.id);
          expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
          for (const id of asked) expect(ids.includes(id)).toBe(id <= account.lots.length);
          for (const lot of selected)
            if (!asked.includes(lot.id)) expect(new Dec(lot.remaining).gt(0)).toBe(true);
        },
      ),
    );
  });

  it("reads nothing but the next-expiry group and activation before nextChangeAt", () => {
    const lots: Lot[] = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      coins: "10",
      remaining: "10",
      earnedAt: instant(0),
      availableAt: instant(0),
      expiresAt: i % 2 === 0 ? null : instant(100 + i),
      eventId: null,
      requestId: null,
    }));
    const selected = selectLots(lots, reads(instant(10)), instant(5));
    expect(selected.map((lot) => lot.id)).toEqual([2]);
    const spending = selectLots(lots, reads(instant(10), { spend: "25" }), instant(5));
    expect(spending.map((lot) => lot.id)).toEqual([2, 4, 6]);
  });
});

/** One command, decided on a draft; what a store would commit, and the balance it returns. */
type Command = (draft: AccountDraft) => void;

function decide(snapshot: AccountSnapshot, at: number, command: Command) {
  const draft = new AccountDraft(snapshot, at);
  try {
    command(draft);
  } catch (error) {
    return { error: (error as { code?: string; details?: unknown }).details ?? String(error) };
  }
  const change = draft.toChange();
  return { change, balance: figures(draft.balance()) };
}

const record = (fields: Partial<RequestRecord>): RequestRecord => ({
  requestId: "r",
  kind: "allocate",
  userId: "u",
  fingerprint: "f",
  at: T0,
  result: null,
  coins: "0",
  reversed: "0",
  lotId: null,
  parts: [],
  ...fields,
});

const commandArb = fc.oneof(
  fc.record({
    kind: fc.constant("redeem" as const),
    coins: fc.integer({ min: 1, max: 300 }),
    /** When set: exactly what the first lots in spend order hold, the edge of the FIFO read. */
    firstLots: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("earn" as const),
    coins: fc.integer({ min: 1, max: 100 }),
    activation: fc.integer({ min: 0, max: 10 }),
    expiry: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant("reverseAllocation" as const),
    lot: fc.nat(),
    coins: fc.integer({ min: 1, max: 100 }),
    policy: fc.constantFrom("debt" as const, "cap" as const),
  }),
  fc.record({
    kind: fc.constant("reverseRedemption" as const),
    lots: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    policy: fc.constantFrom("debt" as const, "cap" as const),
  }),
  fc.record({ kind: fc.constant("sweep" as const), before: fc.integer({ min: 0, max: 10 }) }),
);

type CommandSpec = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

/** The command and the reads the engine states for it. */
function commandOf(spec: CommandSpec, account: Account, at: number): [Command, AccountReads] {
  const lots = account.lots;
  switch (spec.kind) {
    case "redeem": {
      const coins =
        spec.firstLots === undefined
          ? new Dec(spec.coins)
          : spendOrder(lots, at)
              .slice(0, spec.firstLots)
              .reduce((sum, lot) => sum.plus(lot.remaining), ZERO);
      return [
        (d) => {
          sweepExpired(d);
          if (coins.gt(0)) spend(d, coins, { requestId: "x" });
        },
        reads(at, { spend: coins.toFixed() }),
      ];
    }
    case "earn":
      return [
        (d) => {
          sweepExpired(d);
          earn(d, {
            coins: new Dec(spec.coins),
            availableAt: at + spec.activation * HOUR,
            expiresAt: spec.expiry === null ? null : at + (spec.activation + spec.expiry) * HOUR,
            eventId: "e",
            requestId: "n",
          });
        },
        reads(at),
      ];
    case "reverseAllocation": {
      const lot = lots.length === 0 ? undefined : lots[spec.lot % lots.length];
      const original = record({ coins: lot?.coins ?? "0", lotId: lot?.id ?? null });
      const coins = Dec.min(new Dec(spec.coins), new Dec(original.coins));
      return [
        (d) => {
          sweepExpired(d);
          if (coins.gt(0)) reverseAllocation(d, original, coins, spec.policy, { requestId: "v" });
        },
        reads(at, { spend: coins.toFixed(), lotIds: lot === undefined ? [] : [lot.id] }),
      ];
    }
    case "reverseRedemption": {
      const parts = [...new Set(spec.lots)]
        .map((k) => lots[k % Math.max(lots.length, 1)])
        .filter((lot): lot is Lot => lot !== undefined && new Dec(lot.coins).gt(lot.remaining))
        .map((lot) => ({
          lotId: lot.id,
          coins: new Dec(lot.coins).minus(lot.remaining).toFixed(),
        }));
      const total = parts.reduce((sum, p) => sum.plus(p.coins), ZERO);
      const original = record({ kind: "redeem", coins: total.toFixed(), parts });
      return [
        (d) => {
          sweepExpired(d);
          if (total.gt(0)) reverseRedemption(d, original, total, spec.policy, { requestId: "v" });
        },
        reads(at, { lotIds: parts.map((p) => p.lotId) }),
      ];
    }
    case "sweep":
      return [(d) => void sweepExpired(d, at - spec.before * HOUR), reads(at)];
  }
}

describe("commands on the selected lots", () => {
  it("decide exactly as on every open lot: same change, same totals, same balance; nextChangeAt a lower bound", () => {
    fc.assert(
      fc.property(accountArb, fc.nat(), commandArb, (account, pick, spec) => {
        const at = (instantsFor(account, pick) as number[])[pick % 3] as number;
        const [command, read] = commandOf(spec, account, at);
        const full = decide(snapshotOf(account, account.lots), at, command);
        const bounded = decide(
          snapshotOf(account, selectLots(account.lots, read, account.asOf)),
          at,
          command,
        );
        if ("error" in full) {
          expect(bounded).toEqual(full);
          return;
        }
        if ("error" in bounded)
          throw new Error(`failed only on the selected lots: ${bounded.error}`);
        const { nextChangeAt, ...totals } = bounded.change.totals;
        const { nextChangeAt: fullNext, ...fullTotals } = full.change.totals;
        expect({ ...bounded.change, totals }).toEqual({ ...full.change, totals: fullTotals });
        expect(bounded.balance).toEqual(full.balance);

        // The totals describe the lots after the change, and the balance it returns is theirs.
        const after = new Map(account.lots.map((lot) => [lot.id, lot]));
        for (const lot of bounded.change.lots) after.set(lot.id, lot);
        const lotsAfter = [...after.values()];
        const reference = totalsOf(lotsAfter, at, 0);
        expect(totals).toEqual({ open: reference.open, pending: reference.pending, asOf: at });
        expect(bounded.balance).toEqual(balanceOverEveryLot(lotsAfter, bounded.change.debt, at));
        if (reference.nextChangeAt !== null) {
          expect(nextChangeAt).not.toBeNull();
          expect(nextChangeAt as number).toBeLessThanOrEqual(reference.nextChangeAt);
        }
        expect(fullNext === null || nextChangeAt === null || nextChangeAt <= fullNext).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("the FIFO read keeps the balance a spending command returns exact", () => {
  const lot = (id: number, expiresIn: number, fields: Partial<Lot> = {}): Lot => ({
    id,
    coins: "5",
    remaining: "5",
    earnedAt: instant(-10),
    availableAt: instant(-10),
    expiresAt: instant(expiresIn),
    eventId: null,
    requestId: null,
    ...fields,
  });
  const cases: [string, Lot[], number, { at: number; coins: string }][] = [
    [
      "an exact cover reads one lot further",
      [lot(1, 10), lot(2, 20)],
      5,
      { at: instant(20), coins: "5" },
    ],
    [
      "a read that stops inside an expiry group reads the whole group",
      [lot(1, 10), lot(2, 20), lot(3, 20)],
      7,
      { at: instant(20), coins: "8" },
    ],
    [
      "pending lots passed on the way are read",
      [lot(1, 10), lot(2, 15, { availableAt: instant(5) }), lot(3, 20)],
      5,
      { at: instant(15), coins: "5" },
    ],
  ];
  for (const [title, lots, coins, nextExpiry] of cases) {
    it(title, () => {
      const account: Account = { lots, asOf: instant(0), slack: 0, debt: "0" };
      const read = reads(instant(0), { spend: String(coins) });
      const command: Command = (d) => {
        sweepExpired(d);
        spend(d, new Dec(coins), { requestId: "x" });
      };
      const bounded = decide(
        snapshotOf(account, selectLots(lots, read, account.asOf)),
        instant(0),
        command,
      );
      expect("balance" in bounded && bounded.balance.nextExpiry).toEqual(nextExpiry);
    });
  }
});
