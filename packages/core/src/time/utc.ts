/**
 * Date rules on the UTC calendar, on epoch milliseconds. UTC has no DST, so
 * the wall clock is the instant and no `TZDate` is needed: each step is the
 * date-fns operation `dates.ts` applies to a `TZDate`, written with the
 * `setUTC*` methods of a plain `Date` (same order, same clamping of 31
 * January + 1 month to the end of February).
 */
import type { CalendarUnit, DateRule } from "../rules/types.js";

/** Largest value of a duration field or `plus` handled here; larger (or odd) values go through `TZDate`. */
const MAX_STEPS = 1_000_000;

/**
 * `start ↦ instant` for a duration or `endOf` rule in UTC, or `undefined`
 * when the rule has a field this module does not handle (not a
 * non-negative integer, an unknown unit, a fixed `at`).
 */
export function utcDateRule(rule: DateRule): ((start: number) => number) | undefined {
  if ("at" in rule) return undefined;
  if ("endOf" in rule) {
    const { endOf, plus } = rule;
    if (!isUnit(endOf) || !(plus === undefined || isSteps(plus))) return undefined;
    const steps = 1 + (plus ?? 0);
    return (start) => startOfNext(endOf, steps, start);
  }
  const { years, months, days, hours } = rule;
  for (const n of [years, months, days, hours])
    if (n !== undefined && !isSteps(n)) return undefined;
  return (start) => {
    let ms = start;
    if (years) ms = addMonths(ms, years * 12);
    if (months) ms = addMonths(ms, months);
    if (days) ms = addDays(ms, days);
    if (hours) ms = ms + hours * 3_600_000;
    return new Date(ms).getTime();
  };
}

/** date-fns `addMonths`: the same day of the month, or the month's last day when it has fewer days. */
function addMonths(ms: number, amount: number): number {
  const date = new Date(ms);
  const dayOfMonth = date.getUTCDate();
  const endOfDesiredMonth = new Date(ms);
  endOfDesiredMonth.setUTCMonth(date.getUTCMonth() + amount + 1, 0);
  if (dayOfMonth >= endOfDesiredMonth.getUTCDate()) return endOfDesiredMonth.getTime();
  date.setUTCFullYear(
    endOfDesiredMonth.getUTCFullYear(),
    endOfDesiredMonth.getUTCMonth(),
    dayOfMonth,
  );
  return date.getTime();
}

function addDays(ms: number, amount: number): number {
  const date = new Date(ms);
  date.setUTCDate(date.getUTCDate() + amount);
  return date.getTime();
}

/** The start of the unit after the one holding `start`, plus `steps − 1` more units (weeks start on Monday). */
function startOfNext(unit: CalendarUnit, steps: number, start: number): number {
  const date = new Date(start);
  switch (unit) {
    case "day":
      date.setUTCHours(0, 0, 0, 0);
      return addDays(date.getTime(), steps);
    case "week": {
      const day = date.getUTCDay();
      date.setUTCDate(date.getUTCDate() - (day < 1 ? 6 : day - 1));
      date.setUTCHours(0, 0, 0, 0);
      return addDays(date.getTime(), steps * 7);
    }
    case "month":
      date.setUTCDate(1);
      date.setUTCHours(0, 0, 0, 0);
      return addMonths(date.getTime(), steps);
    case "quarter": {
      const month = date.getUTCMonth();
      date.setUTCMonth(month - (month % 3), 1);
      date.setUTCHours(0, 0, 0, 0);
      return addMonths(date.getTime(), steps * 3);
    }
    case "year":
      date.setUTCFullYear(date.getUTCFullYear(), 0, 1);
      date.setUTCHours(0, 0, 0, 0);
      return addMonths(date.getTime(), steps * 12);
  }
}

function isSteps(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_STEPS;
}

function isUnit(unit: unknown): unit is CalendarUnit {
  return (
    unit === "day" || unit === "week" || unit === "month" || unit === "quarter" || unit === "year"
  );
}
