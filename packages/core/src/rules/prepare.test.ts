import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Dec } from "../money/decimal.js";
import type { RoundingMode } from "../money/rounding.js";
import type { Program } from "../program.js";
import { type Duration, neverOutlasts } from "./durations.js";
import { parseEvent } from "./parse.js";
import { previewReward, previewRewardDirect } from "./reward.js";
import type { CoinEvent, RewardUsage, Transaction } from "./types.js";

// ---------------------------------------------------------------------------
// Arbitraries: valid events (through parseEvent), programs, instants, usage.

const T0 = Date.UTC(2026, 0, 1);
const YEAR = 366 * 86_400_000;
const instant = fc.integer({ min: T0, max: T0 + YEAR });
const iso = (ms: number) => new Date(ms).toISOString();
const interval = fc
  .tuple(instant, fc.integer({ min: 1, max: 120 * 86_400_000 }))
  .map(([from, length]) => ({ from: iso(from), until: iso(from + length) }));
/** n / 10^s, as a string. */
const decimal = (min: number, max: number, maxScale = 2) =>
  fc
    .tuple(fc.integer({ min, max }), fc.integer({ min: 0, max: maxScale }))
    .map(([n, s]) => new Dec(n).div(new Dec(10).pow(s)).toFixed());
const positive = (max: number) => decimal(1, max);

const tiers = (mode: "flat" | "progressive") =>
  fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 4 }),
      fc.array(fc.tuple(fc.boolean(), positive(50_000)), { minLength: 5, maxLength: 5 }),
    )
    .map(([froms, rates]) =>
      [0, ...froms.sort((a, b) => a - b)].map((from, i) => {
        const [coins, rate] = rates[i] ?? [false, "1"];
        return coins && mode === "flat"
          ? { from: String(from), coins: rate }
          : { from: String(from), percent: new Dec(rate).div(100).toFixed() };
      }),
    );
const reward = fc.oneof(
  positive(1_000_000).map((coins) => ({ kind: "fixed", coins })),
  positive(100_000).map((p) => ({ kind: "percentage", percent: new Dec(p).div(100).toFixed() })),
  fc
    .constantFrom("flat" as const, "progressive" as const)
    .chain((mode) => tiers(mode).map((t) => ({ kind: "tiered", mode, tiers: t }))),
);
const dateRule = fc.oneof(
  fc.record(
    {
      years: fc.integer({ min: 0, max: 3 }),
      months: fc.integer({ min: 0, max: 30 }),
      days: fc.integer({ min: 1, max: 400 }),
      hours: fc.integer({ min: 0, max: 60 }),
    },
    { requiredKeys: ["days"] },
  ),
  fc.record(
    {
      endOf: fc.constantFrom("day", "week", "month", "quarter", "year"),
      plus: fc.integer({ min: 0, max: 14 }),
    },
    { requiredKeys: ["endOf"] },
  ),
  instant.map((ms) => ({ at: iso(ms) })),
);
const periods = ["day", "week", "month", "year", "lifetime"] as const;
const eventInput = fc.record(
  {
    id: fc.constant("E"),
    status: fc.constantFrom("active", "active", "active", "paused", "archived"),
    window: fc.oneof(
      interval,
      interval.map(({ from }) => ({ from })),
      interval.map(({ until }) => ({ until })),
    ),
    reward,
    promotions: fc.uniqueArray(
      fc
        .record({ id: fc.string({ minLength: 1, maxLength: 8 }), multiplier: positive(100_000) })
        .chain((p) =>
          interval.map((w) => ({
            ...p,
            ...w,
            multiplier: new Dec(p.multiplier).div(100).toFixed(),
          })),
        ),
      { selector: (p) => p.id, maxLength: 4 },
    ),
    stack: fc.constantFrom("max", "multiply"),
    caps: fc.record(
      {
        perAllocation: positive(10_000_000),
        perUser: fc.uniqueArray(
          fc.record({ coins: positive(10_000_000), period: fc.constantFrom(...periods) }),
          { selector: (c) => c.period, maxLength: 3 },
        ),
        budget: positive(100_000_000),
      },
      { requiredKeys: [] },
    ),
    minAmount: decimal(0, 1_000_000),
    expiry: fc.oneof(dateRule, fc.constant("never")),
    activation: fc.oneof(dateRule, fc.constant("immediately")),
  },
  { requiredKeys: ["id", "reward"] },
);
const events: fc.Arbitrary<CoinEvent> = eventInput
  .filter((input) => !refusedDurations(input.expiry, input.activation))
  .map((input) => parseEvent(input));

/** Duration rules that `parseEvent` refuses together: the coins would always expire before activating. */
function refusedDurations(expiry: unknown, activation: unknown): boolean {
  const duration = (rule: unknown): rule is Duration =>
    typeof rule === "object" && rule !== null && !("at" in rule) && !("endOf" in rule);
  return duration(expiry) && duration(activation) && neverOutlasts(expiry, activation);
}

const ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"];
const programs: fc.Arbitrary<Program> = fc.record({
  id: fc.constant("acme"),
  coinValue: fc.integer({ min: 1, max: 10_000 }).map((n) => new Dec(n).div(1000).toFixed()),
  coinScale: fc.integer({ min: 0, max: 4 }),
  rounding: fc.constantFrom<RoundingMode>("down", "up", "halfUp", "halfEven"),
  timeZone: fc.constantFrom(...ZONES),
  clawback: fc.constant("debt" as const),
});
const usages: fc.Arbitrary<RewardUsage | undefined> = fc.option(
  fc.record(
    {
      perUser: fc.dictionary(fc.constantFrom(...periods), decimal(0, 20_000_000)),
      budget: decimal(0, 200_000_000),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const transactions: fc.Arbitrary<Transaction> = fc.oneof(
  decimal(0, 100_000_000).map((amount) => ({ amount })),
  fc.integer({ min: 0, max: 1_000_000 }).map((amount) => ({ amount })),
  fc.constant({}),
);
const nows = instant.map((ms) => new Date(ms));

/** Instants at and next to the edges of an event's windows, where a one-off would show. */
function edges(event: CoinEvent): number[] {
  const out: number[] = [];
  const add = (text: string | undefined) => {
    if (text === undefined) return;
    const ms = Date.parse(text);
    out.push(ms - 1, ms, ms + 1);
  };
  add(event.window?.from);
  add(event.window?.until);
  for (const p of event.promotions ?? []) {
    add(p.from);
    add(p.until);
  }
  return out;
}

/** An event with an instant: anywhere in the year, or at an edge of one of its windows. */
const eventsAt: fc.Arbitrary<[CoinEvent, Date]> = events.chain((event) => {
  const near = edges(event);
  const at =
    near.length === 0
      ? nows
      : fc.oneof(
          nows,
          fc.constantFrom(...near).map((ms) => new Date(ms)),
        );
  return at.map((now): [CoinEvent, Date] => [event, now]);
});

/** What a call gave: its preview, or the error it threw (its class, message and details). */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (error) {
    if (!(error instanceof Error)) return { thrown: error };
    return {
      thrown: error.constructor.name,
      message: error.message,
      details: (error as { details?: unknown }).details,
    };
  }
}

/** Sets a leaf (or a whole branch) at a random place of a JSON tree; returns a changed copy. */
function mutate(root: unknown, choice: number, value: unknown): unknown {
  const copy = structuredClone(root);
  const holders: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      holders.push({ parent: node as Record<string, unknown>, key });
      walk(child);
    }
  };
  walk(copy);
  const target = holders[choice % holders.length];
  if (target !== undefined) target.parent[target.key] = value;
  return copy;
}

const junk = fc.constantFrom<unknown>(
  "abc",
  "",
  "-1",
  "1e3",
  -1,
  0,
  0.1,
  1.5,
  "12",
  null,
  undefined,
  {},
  [],
  [{}],
  "2026-13-01T00:00:00Z",
  "2026-06-01T00:00:00Z",
  "never",
  "month",
  "multiply",
  "paused",
);

describe("properties of the prepared event", () => {
  test("previewing an event again (prepared once) equals previewing a fresh copy and reading the event directly", () => {
    fc.assert(
      fc.property(eventsAt, transactions, programs, usages, ([event, now], tx, program, usage) => {
        const first = outcome(() => previewReward(event, tx, program, now, usage));
        const again = outcome(() => previewReward(event, tx, program, now, usage));
        const fresh = outcome(() => previewReward(structuredClone(event), tx, program, now, usage));
        const direct = outcome(() => previewRewardDirect(event, tx, program, now, usage));
        expect(again).toEqual(first);
        expect(fresh).toEqual(first);
        expect(direct).toEqual(first);
        // Key order too: results are serialised (fingerprints, HTTP bodies).
        expect(JSON.stringify(first)).toBe(JSON.stringify(direct));
      }),
      { numRuns: 500 },
    );
  });

  test("one prepared event previews every instant, amount and usage as reading it directly does", () => {
    fc.assert(
      fc.property(
        events,
        programs,
        fc.array(fc.tuple(transactions, nows, usages), { minLength: 2, maxLength: 8 }),
        (event, program, calls) => {
          for (const [tx, now, usage] of calls) {
            expect(outcome(() => previewReward(event, tx, program, now, usage))).toEqual(
              outcome(() => previewRewardDirect(event, tx, program, now, usage)),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a malformed event (not from parseEvent) gives the same result or the same error, prepared or read directly", () => {
    fc.assert(
      fc.property(
        events,
        fc.nat(),
        junk,
        transactions,
        programs,
        nows,
        usages,
        (event, choice, value, tx, program, now, usage) => {
          const bad = mutate(event, choice, value) as CoinEvent;
          const prepared = outcome(() => previewReward(bad, tx, program, now, usage));
          const again = outcome(() => previewReward(bad, tx, program, now, usage));
          const direct = outcome(() =>
            previewRewardDirect(structuredClone(bad), tx, program, now, usage),
          );
          expect(prepared).toEqual(direct);
          expect(again).toEqual(direct);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("replacing a top-level field of a previewed event is seen", () => {
    fc.assert(
      fc.property(events, events, programs, nows, (a, b, program, now) => {
        const event = { ...a } as Record<string, unknown>;
        const tx = { amount: "1234.56" };
        previewReward(event as unknown as CoinEvent, tx, program, now);
        for (const key of ["reward", "promotions", "caps", "window", "expiry", "activation"]) {
          if (key in b) event[key] = (b as unknown as Record<string, unknown>)[key];
          else delete event[key];
        }
        event.status = b.status;
        event.minAmount = b.minAmount;
        event.stack = b.stack;
        if (b.minAmount === undefined) delete event.minAmount;
        if (b.stack === undefined) delete event.stack;
        const changed = event as unknown as CoinEvent;
        expect(outcome(() => previewReward(changed, tx, program, now))).toEqual(
          outcome(() => previewRewardDirect(changed, tx, program, now)),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("the prepared event", () => {
  test("non-object events fail as they always did", () => {
    const program: Program = {
      id: "acme",
      coinValue: "0.25",
      coinScale: 0,
      rounding: "down",
      timeZone: "UTC",
      clawback: "debt",
    };
    const now = new Date("2026-11-28T10:00:00Z");
    for (const bad of [null, undefined, 5, "event"]) {
      const event = bad as unknown as CoinEvent;
      expect(outcome(() => previewReward(event, { amount: "1" }, program, now))).toEqual(
        outcome(() => previewRewardDirect(event, { amount: "1" }, program, now)),
      );
    }
  });
});
