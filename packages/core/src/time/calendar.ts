/**
 * Calendar arithmetic on the `getUTC*` / `setUTC*` fields of epoch
 * milliseconds: on instants for UTC, on wall times (see `wall.ts`) for
 * every other zone. No step reads the host's time zone.
 *
 * - Adding months keeps the day of the month, or takes the month's last day
 *   when it has fewer days (31 January + 1 month = 28 or 29 February).
 * - Weeks start on Monday (ISO 8601).
 */
import { invalidInput } from "../errors.js";
import type { CalendarUnit, DateRule } from "../rules/types.js";

/** Largest value accepted for a duration field or `plus` (parsed events stay far below it). */
const MAX_STEPS = 1_000_000;

/** A duration or `endOf` rule with its numbers checked: what the arithmetic below needs. */
export type CalendarRule =
  | {
      readonly kind: "duration";
      readonly years: number;
      readonly months: number;
      readonly days: number;
      readonly hours: number;
    }
  | { readonly kind: "endOf"; readonly unit: CalendarUnit; readonly steps: number };

/**
 * The numbers of a duration or `endOf` rule, or `INVALID_INPUT` at the
 * offending field: an unknown unit, or a count that is not a whole number
 * from 0 to 1,000,000. A missing count is 0 (`plus` too).
 */
export function readCalendarRule(rule: Exclude<DateRule, { at: string }>): CalendarRule {
  if ("endOf" in rule) {
    const { plus } = rule;
    const endOf: unknown = rule.endOf;
    if (!isUnit(endOf)) {
      throw invalidInput({
        path: "endOf",
        message: `unknown calendar unit ${typeof endOf === "string" ? JSON.stringify(endOf.slice(0, 40)) : typeof endOf}`,
      });
    }
    return { kind: "endOf", unit: endOf, steps: 1 + count(plus, "plus") };
  }
  return {
    kind: "duration",
    years: count(rule.years, "years"),
    months: count(rule.months, "months"),
    days: count(rule.days, "days"),
    hours: count(rule.hours, "hours"),
  };
}

/** `ms` plus whole years, then months, then days, on the calendar (largest unit first). */
export function addCalendar(ms: number, years: number, months: number, days: number): number {
  let out = ms;
  if (years) out = addMonths(out, years * 12);
  if (months) out = addMonths(out, months);
  if (days) out = addDays(out, days);
  return out;
}

/** The start of the unit after the one holding `ms`, plus `steps − 1` more units. */
export function startOfNext(unit: CalendarUnit, steps: number, ms: number): number {
  const date = new Date(ms);
  date.setUTCHours(0, 0, 0, 0);
  switch (unit) {
    case "day":
      return addDays(date.getTime(), steps);
    case "week":
      date.setUTCDate(date.getUTCDate() - daysSinceMonday(date));
      return addDays(date.getTime(), steps * 7);
    case "month":
      date.setUTCDate(1);
      return addMonths(date.getTime(), steps);
    case "quarter": {
      const month = date.getUTCMonth();
      date.setUTCMonth(month - (month % 3), 1);
      return addMonths(date.getTime(), steps * 3);
    }
    case "year":
      date.setUTCMonth(0, 1);
      return addMonths(date.getTime(), steps * 12);
  }
}

/** The ISO 8601 week holding `ms`: its week-numbering year and its number (1–53). */
export function isoWeek(ms: number): { year: number; week: number } {
  // The week belongs to the year of its Thursday.
  const thursday = new Date(ms);
  thursday.setUTCHours(0, 0, 0, 0);
  thursday.setUTCDate(thursday.getUTCDate() - daysSinceMonday(thursday) + 3);
  const year = thursday.getUTCFullYear();
  const firstOfYear = new Date(thursday.getTime());
  firstOfYear.setUTCMonth(0, 1);
  const week = 1 + Math.floor((thursday.getTime() - firstOfYear.getTime()) / (7 * 86_400_000));
  return { year, week };
}

function addMonths(ms: number, amount: number): number {
  const date = new Date(ms);
  const dayOfMonth = date.getUTCDate();
  // Day 0 of the month after the target month: the target month's last day.
  const endOfTarget = new Date(ms);
  endOfTarget.setUTCMonth(date.getUTCMonth() + amount + 1, 0);
  if (dayOfMonth >= endOfTarget.getUTCDate()) return endOfTarget.getTime();
  endOfTarget.setUTCDate(dayOfMonth);
  return endOfTarget.getTime();
}

function addDays(ms: number, amount: number): number {
  const date = new Date(ms);
  date.setUTCDate(date.getUTCDate() + amount);
  return date.getTime();
}

/** 0 for a Monday, 6 for a Sunday. */
function daysSinceMonday(date: Date): number {
  return (date.getUTCDay() + 6) % 7;
}

function count(n: unknown, path: string): number {
  if (n === undefined) return 0;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_STEPS) return n;
  throw invalidInput({
    path,
    message: `expected a whole number from 0 to ${MAX_STEPS}, got ${typeof n === "number" ? n : typeof n}`,
  });
}

function isUnit(unit: unknown): unit is CalendarUnit {
  return (
    unit === "day" || unit === "week" || unit === "month" || unit === "quarter" || unit === "year"
  );
}
