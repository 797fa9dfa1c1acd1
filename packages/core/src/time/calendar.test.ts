import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import type { DateRule } from "../rules/types.js";
import { addCalendar, isoWeek, readCalendarRule, startOfNext } from "./calendar.js";

const DAY = 86_400_000;
const instants = fc.oneof(
  fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
  fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(9999, 11, 31) }),
  fc.constantFrom(
    Date.UTC(2028, 1, 29, 12),
    Date.UTC(2026, 0, 31, 23, 59, 59, 999),
    Date.UTC(2026, 11, 31),
    Date.UTC(2026, 10, 29, 10), // a Sunday
    Date.UTC(2026, 10, 30), // a Monday, 00:00
    0,
  ),
);

/** Days in a month (0–11) of a year, by the Gregorian rule. */
function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month] as number;
}

/** Reference: `months` later on the calendar, the day clamped to the month's length; from the fields. */
function monthsLater(ms: number, months: number): number {
  const d = new Date(ms);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysIn(year, month));
  return (
    Date.UTC(year, month, day) +
    (ms - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  );
}

/** Reference: the first instant of the day, month, ... holding `ms`, from the fields. */
function unitStart(unit: "day" | "week" | "month" | "quarter" | "year", ms: number): number {
  const d = new Date(ms);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  switch (unit) {
    case "day":
      return Date.UTC(y, m, day);
    case "week":
      return Date.UTC(y, m, day) - ((d.getUTCDay() + 6) % 7) * DAY;
    case "month":
      return Date.UTC(y, m, 1);
    case "quarter":
      return Date.UTC(y, m - (m % 3), 1);
    case "year":
      return Date.UTC(y, 0, 1);
  }
}

describe("addCalendar", () => {
  test("months keep the day, or take the month's last day", () => {
    expect(addCalendar(Date.UTC(2026, 0, 31, 10), 0, 1, 0)).toBe(Date.UTC(2026, 1, 28, 10));
    expect(addCalendar(Date.UTC(2028, 1, 29, 10), 1, 0, 0)).toBe(Date.UTC(2029, 1, 28, 10));
    // Years, then months, then days: 29 Feb 2028 + 1 year = 28 Feb 2029, + 1 month = 28 March.
    expect(addCalendar(Date.UTC(2028, 1, 29), 1, 1, 0)).toBe(Date.UTC(2029, 2, 28));
    expect(addCalendar(Date.UTC(2026, 0, 30), 0, 1, 1)).toBe(Date.UTC(2026, 2, 1));
  });

  test("equals the calendar computed from the date's fields", () => {
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 1_200 }),
        fc.integer({ min: 0, max: 36_600 }),
        (ms, years, months, days) => {
          const expected = monthsLater(monthsLater(ms, years * 12), months) + days * DAY;
          expect(addCalendar(ms, years, months, days)).toBe(expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("startOfNext", () => {
  test("each unit", () => {
    const t = Date.UTC(2026, 10, 27, 10); // Friday
    expect(startOfNext("day", 1, t)).toBe(Date.UTC(2026, 10, 28));
    expect(startOfNext("week", 1, t)).toBe(Date.UTC(2026, 10, 30));
    expect(startOfNext("month", 3, t)).toBe(Date.UTC(2027, 1, 1));
    expect(startOfNext("quarter", 1, t)).toBe(Date.UTC(2027, 0, 1));
    expect(startOfNext("year", 2, t)).toBe(Date.UTC(2028, 0, 1));
  });

  test("equals the unit start computed from the date's fields, plus whole units", () => {
    const units = fc.constantFrom("day", "week", "month", "quarter", "year" as const);
    fc.assert(
      fc.property(units, fc.integer({ min: 1, max: 1_001 }), instants, (unit, steps, ms) => {
        const start = unitStart(unit, ms);
        const expected =
          unit === "day" || unit === "week"
            ? start + steps * (unit === "day" ? 1 : 7) * DAY
            : monthsLater(start, steps * (unit === "month" ? 1 : unit === "quarter" ? 3 : 12));
        expect(startOfNext(unit, steps, ms)).toBe(expected);
        expect(startOfNext(unit, steps, ms)).toBeGreaterThan(ms);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("isoWeek", () => {
  test("week 1 holds 4 January, and weeks start on Monday", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1971, max: 9998 }), (year) => {
        const jan4 = Date.UTC(year, 0, 4);
        expect(isoWeek(jan4)).toEqual({ year, week: 1 });
        const monday = unitStart("week", jan4);
        expect(isoWeek(monday)).toEqual({ year, week: 1 });
        expect(isoWeek(monday - 1).year).toBe(year - 1);
        expect(isoWeek(monday + 7 * DAY)).toEqual({ year, week: 2 });
      }),
    );
  });
});

describe("readCalendarRule", () => {
  test("reads durations and endOf with their defaults", () => {
    expect(readCalendarRule({ days: 3 })).toEqual({
      kind: "duration",
      years: 0,
      months: 0,
      days: 3,
      hours: 0,
    });
    expect(readCalendarRule({ endOf: "month" })).toEqual({
      kind: "endOf",
      unit: "month",
      steps: 1,
    });
    expect(readCalendarRule({ endOf: "week", plus: 2 })).toEqual({
      kind: "endOf",
      unit: "week",
      steps: 3,
    });
  });

  test("odd numbers and unknown units are INVALID_INPUT at the field", () => {
    const cases: [unknown, string][] = [
      [{ endOf: "fortnight" }, "endOf"],
      [{ endOf: "month", plus: -1 }, "plus"],
      [{ endOf: "month", plus: 1.5 }, "plus"],
      [{ days: -1 }, "days"],
      [{ days: 1.5 }, "days"],
      [{ days: "2" }, "days"],
      [{ months: Number.NaN }, "months"],
      [{ years: 1_000_001 }, "years"],
      [{ hours: 10n }, "hours"],
    ];
    for (const [rule, path] of cases) {
      let error: unknown;
      try {
        readCalendarRule(rule as Exclude<DateRule, { at: string }>);
      } catch (e) {
        error = e;
      }
      expect(
        error,
        JSON.stringify(rule, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).toBeInstanceOf(CoinageError);
      expect((error as CoinageError).details).toMatchObject({ issues: [{ path }] });
    }
  });
});
