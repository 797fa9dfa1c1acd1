import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import { Dec } from "../money/decimal.js";
import { applyCaps, capLimits, tightest } from "./caps.js";
import type { CapPeriod, Caps, RewardUsage } from "./types.js";

const clip = (value: string, caps: Caps, usage?: RewardUsage) => {
  const result = applyCaps(new Dec(value), capLimits(caps, usage));
  return { value: result.value.toFixed(), clips: result.clips };
};

describe("caps", () => {
  test("nothing clips below the caps", () => {
    expect(clip("40", { perAllocation: "50", budget: "1000" })).toEqual({ value: "40", clips: [] });
    expect(clip("40", {})).toEqual({ value: "40", clips: [] });
    expect(applyCaps(new Dec(40), capLimits(undefined, undefined)).clips).toEqual([]);
  });

  test("per allocation", () => {
    expect(clip("240", { perAllocation: "200" })).toEqual({
      value: "200",
      clips: [{ cap: "perAllocation", limit: "200", before: "240", after: "200" }],
    });
  });

  test("per user per period, given what the user already earned", () => {
    expect(
      clip("240", { perUser: [{ coins: "500", period: "month" }] }, { perUser: { month: "400" } }),
    ).toEqual({
      value: "100",
      clips: [
        { cap: "perUser", period: "month", limit: "500", used: "400", before: "240", after: "100" },
      ],
    });
  });

  test("budget, given what the event already handed out; exhausted caps give 0", () => {
    expect(clip("240", { budget: "10000" }, { budget: "10000" })).toEqual({
      value: "0",
      clips: [{ cap: "budget", limit: "10000", used: "10000", before: "240", after: "0" }],
    });
    expect(clip("240", { budget: "10000" }, { budget: "12000" }).value).toBe("0");
  });

  test("every clipping cap is reported, in order", () => {
    const result = clip(
      "1000",
      {
        perAllocation: "800",
        perUser: [
          { coins: "1000", period: "day" },
          { coins: "5000", period: "week" },
        ],
        budget: "100000",
      },
      { perUser: { day: "500", week: "4800" }, budget: "0" },
    );
    expect(result.value).toBe("200");
    expect(result.clips.map((c) => [c.cap, c.period ?? null, c.before, c.after])).toEqual([
      ["perAllocation", null, "1000", "800"],
      ["perUser", "day", "800", "500"],
      ["perUser", "week", "500", "200"],
    ]);
  });

  test("tightest finds the least remaining", () => {
    const limits = capLimits({ perAllocation: "50", budget: "100" }, { budget: "70" });
    expect(tightest(limits)?.cap).toBe("budget");
    expect(tightest([])).toBeUndefined();
  });

  test("bad usage is INVALID_INPUT at its path", () => {
    try {
      capLimits({ budget: "10" }, { budget: "-1" });
      expect.unreachable();
    } catch (error) {
      expect(CoinageError.is(error, "INVALID_INPUT") && error.details.issues[0]?.path).toBe(
        "usage.budget",
      );
    }
  });
});

const amount = fc.integer({ min: 0, max: 10 ** 9 }).map((n) => new Dec(n).div(100));
const limit = fc.integer({ min: 1, max: 10 ** 8 }).map((n) => new Dec(n).div(100).toFixed());
const used = fc.integer({ min: 0, max: 2 * 10 ** 8 }).map((n) => new Dec(n).div(100).toFixed());
const periods: CapPeriod[] = ["day", "week", "month", "year", "lifetime"];
const capsAndUsage = fc.record({
  perAllocation: fc.option(limit, { nil: undefined }),
  perUser: fc.uniqueArray(fc.tuple(fc.constantFrom(...periods), limit, used), {
    selector: (t) => t[0],
    maxLength: 5,
  }),
  budget: fc.option(fc.tuple(limit, used), { nil: undefined }),
});
type CapsInput = typeof capsAndUsage extends fc.Arbitrary<infer T> ? T : never;
const build = (c: CapsInput) => {
  const caps: Caps = {
    ...(c.perAllocation === undefined ? {} : { perAllocation: c.perAllocation }),
    perUser: c.perUser.map(([period, coins]) => ({ coins, period })),
    ...(c.budget === undefined ? {} : { budget: c.budget[0] }),
  };
  const usage: RewardUsage = {
    perUser: Object.fromEntries(c.perUser.map(([period, , u]) => [period, u])),
    ...(c.budget === undefined ? {} : { budget: c.budget[1] }),
  };
  return { caps, usage };
};

describe("properties", () => {
  test("caps are never exceeded", () => {
    fc.assert(
      fc.property(amount, capsAndUsage, (value, c) => {
        const { caps, usage } = build(c);
        const limits = capLimits(caps, usage);
        const result = applyCaps(value, limits);
        for (const l of limits) expect(result.value.lte(l.remaining)).toBe(true);
        if (c.perAllocation !== undefined) expect(result.value.lte(c.perAllocation)).toBe(true);
        for (const [period, coins, u] of c.perUser) {
          expect(result.value.plus(usage.perUser?.[period] ?? "0").lte(Dec.max(coins, u))).toBe(
            true,
          );
        }
      }),
    );
  });

  test("capping is min(value, every remaining) and only ever lowers", () => {
    fc.assert(
      fc.property(amount, capsAndUsage, (value, c) => {
        const { caps, usage } = build(c);
        const limits = capLimits(caps, usage);
        const result = applyCaps(value, limits);
        const expected = limits.reduce((acc, l) => Dec.min(acc, l.remaining), value);
        expect(result.value.eq(expected)).toBe(true);
        for (const clipped of result.clips)
          expect(new Dec(clipped.after).lt(clipped.before)).toBe(true);
        expect(result.clips.length === 0).toBe(result.value.eq(value));
      }),
    );
  });
});
