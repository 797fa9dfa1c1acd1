import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { DateRule } from "../rules/types.js";
import { zonedRule } from "./dates.js";
import { utcDateRule } from "./utc.js";

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
const durations = fc.record(
  {
    years: fc.integer({ min: 0, max: 100 }),
    months: fc.integer({ min: 0, max: 1_200 }),
    days: fc.integer({ min: 0, max: 36_600 }),
    hours: fc.integer({ min: 0, max: 878_400 }),
  },
  { requiredKeys: [] },
);
const ends = fc.record(
  {
    endOf: fc.constantFrom("day", "week", "month", "quarter", "year" as const),
    plus: fc.integer({ min: 0, max: 1_000 }),
  },
  { requiredKeys: ["endOf"] },
);

/**
 * `TZDate` goes through the host's local time, and its UTC arithmetic can
 * slip at the host zone's own odd DST shifts (with a Lord Howe host, one
 * day after 2020-10-03T02:00:56Z comes out half an hour late). The plain
 * UTC path has no such dependence, so the comparison runs where the host
 * zone is UTC (servers, CI); the known UTC answers in `dates.test.ts` run
 * everywhere.
 */
const hostIsUtc = ["UTC", "Etc/UTC"].includes(Intl.DateTimeFormat().resolvedOptions().timeZone);

describe("properties", () => {
  test.runIf(hostIsUtc)(
    "in UTC, a duration or endOf rule on plain milliseconds equals the same rule on a TZDate",
    () => {
      fc.assert(
        fc.property(fc.oneof(durations, ends), instants, (rule: DateRule, start) => {
          const utc = utcDateRule(rule);
          if (utc === undefined) throw new Error("every valid duration and endOf rule is handled");
          expect(utc(start)).toBe(
            zonedRule(rule as Exclude<DateRule, { at: string }>, start, "UTC"),
          );
        }),
        { numRuns: 2000 },
      );
    },
  );
});

describe("utcDateRule", () => {
  test("leaves fixed instants, unknown units and odd numbers to TZDate", () => {
    for (const rule of [
      { at: "2026-01-01T00:00:00Z" },
      { endOf: "fortnight" },
      { endOf: "month", plus: -1 },
      { endOf: "month", plus: 1.5 },
      { days: -1 },
      { days: 1.5 },
      { days: "2" },
      { months: Number.NaN },
    ]) {
      expect(utcDateRule(rule as DateRule)).toBeUndefined();
    }
  });
});
