import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { resolveActivation, resolveExpiry } from "../time/dates.js";
import { type Duration, neverOutlasts } from "./durations.js";

const ZONES = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "Australia/Lord_Howe",
  "Pacific/Apia",
  "Asia/Kolkata",
];

const duration: fc.Arbitrary<Duration> = fc
  .record(
    {
      years: fc.integer({ min: 0, max: 3 }),
      months: fc.integer({ min: 0, max: 26 }),
      days: fc.integer({ min: 0, max: 800 }),
      hours: fc.integer({ min: 0, max: 2000 }),
    },
    { requiredKeys: [] },
  )
  .filter((d) => Object.values(d).some((n) => n > 0));

/** Durations near each other, so that both answers come up often. */
const pair: fc.Arbitrary<[Duration, Duration]> = fc.oneof(
  fc.tuple(duration, duration),
  duration.chain((a) =>
    fc
      .record({
        months: fc.integer({ min: -1, max: 1 }),
        days: fc.integer({ min: -3, max: 3 }),
        hours: fc.integer({ min: -30, max: 30 }),
      })
      .map(({ months, days, hours }): [Duration, Duration] => [
        {
          ...a,
          months: Math.max(0, (a.months ?? 0) + months),
          days: Math.max(0, (a.days ?? 0) + days),
          hours: Math.max(1, (a.hours ?? 0) + hours),
        },
        a,
      ]),
  ),
);

const start = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
  .map((ms) => new Date(ms));

describe("neverOutlasts", () => {
  test("when it says never, the expiry falls at or before the activation for every start and zone", () => {
    fc.assert(
      fc.property(pair, start, fc.constantFrom(...ZONES), ([expiry, activation], at, zone) => {
        fc.pre(neverOutlasts(expiry, activation));
        const expires = resolveExpiry(expiry, at, zone)?.getTime() as number;
        const available = resolveActivation(activation, at, zone).getTime();
        expect(expires).toBeLessThanOrEqual(available);
      }),
      { numRuns: 2000 },
    );
  });

  test("the seed's cases, and cases that depend on the month or the day's length", () => {
    expect(neverOutlasts({ days: 7 }, { days: 30 })).toBe(true);
    expect(neverOutlasts({ months: 1 }, { days: 31 })).toBe(true);
    expect(neverOutlasts({ days: 30 }, { days: 30 })).toBe(true);
    expect(neverOutlasts({ years: 1 }, { months: 12 })).toBe(true);
    expect(neverOutlasts({ days: 365 }, { years: 1 })).toBe(true);
    expect(neverOutlasts({ hours: 12 }, { days: 1 })).toBe(true);
    expect(neverOutlasts({ days: 1 }, { hours: 48 })).toBe(true);
    // A month can be 31 days; a year 366; a day 25 hours.
    expect(neverOutlasts({ months: 1 }, { days: 30 })).toBe(false);
    expect(neverOutlasts({ years: 1 }, { days: 365 })).toBe(false);
    expect(neverOutlasts({ hours: 24 }, { days: 1 })).toBe(false);
    expect(neverOutlasts({ days: 1 }, { hours: 24 })).toBe(false);
    expect(neverOutlasts({ days: 31 }, { days: 30 })).toBe(false);
  });

  test("a month against 30 days: the expiry is later in a 31-day month, so it is not refused", () => {
    const at = new Date("2026-01-10T12:00:00Z");
    expect(resolveExpiry({ months: 1 }, at, "UTC")?.getTime()).toBeGreaterThan(
      resolveActivation({ days: 30 }, at, "UTC").getTime(),
    );
  });
});
