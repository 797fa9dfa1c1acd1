/**
 * When earned coins expire and when they become spendable, in the program's
 * time zone.
 *
 * - Durations (`{ years, months, days, hours }`) are calendar arithmetic on
 *   the wall clock of the zone, largest unit first: one day after 12:00 on
 *   the eve of a DST change is 12:00 the next day (23 or 25 hours later), and
 *   a month after 31 January is the last day of February. `hours` are
 *   elapsed hours.
 * - `{ endOf, plus }` is the first instant after the end of the current
 *   calendar unit, plus `plus` more units: the start of the next period
 *   (weeks start on Monday, ISO). `{ endOf: "month" }` for coins earned on
 *   15 March is 1 April 00:00 local.
 * - `{ at }` is a fixed instant.
 *
 * Expiry instants are exclusive: a lot with `expiresAt` T counts until just
 * before T and is dead at T. That is why `endOf` resolves to the start of the
 * next period rather than to 23:59:59.999.
 */
import { TZDate } from "@date-fns/tz";
import {
  addDays,
  addHours,
  addMonths,
  addQuarters,
  addWeeks,
  addYears,
  startOfDay,
  startOfMonth,
  startOfQuarter,
  startOfWeek,
  startOfYear,
} from "date-fns";
import { invalidInput } from "../errors.js";
import type { ActivationRule, CalendarUnit, DateRule, ExpiryRule } from "../rules/types.js";
import { parseInstant } from "./instant.js";
import { utcDateRule } from "./utc.js";
import { assertTimeZone } from "./zone.js";

/**
 * The instant coins earned at `earnedAt` expire (exclusive), or `null` for
 * never. Always later than `earnedAt`: a fixed `at` at or before the earning
 * instant resolves to `earnedAt + 1 ms`, so the coins are booked (the
 * history shows what was earned) and expire at once, and every lot keeps
 * `expiresAt > earnedAt`.
 */
export function resolveExpiry(
  rule: ExpiryRule | undefined,
  earnedAt: Date,
  timeZone: string,
): Date | null {
  const start = checkedTime(earnedAt, "earnedAt");
  assertTimeZone(timeZone);
  if (rule === undefined || rule === "never") return null;
  const at = resolveRule(rule, start, timeZone);
  return new Date(Math.max(at, start + 1));
}

/**
 * The instant coins earned at `earnedAt` become spendable. Never earlier
 * than `earnedAt`: "immediately", no rule, and a fixed `at` in the past all
 * resolve to `earnedAt`.
 */
export function resolveActivation(
  rule: ActivationRule | undefined,
  earnedAt: Date,
  timeZone: string,
): Date {
  const start = checkedTime(earnedAt, "earnedAt");
  assertTimeZone(timeZone);
  if (rule === undefined || rule === "immediately") return new Date(start);
  return new Date(Math.max(resolveRule(rule, start, timeZone), start));
}

/**
 * An expiry rule read once: for a valid earning instant `start` (epoch ms)
 * and a zone, what `resolveExpiry` gives, as epoch ms (or `null`). Fixed
 * instants are parsed here, and in UTC durations and `endOf` need no
 * `TZDate`; a rule that cannot be read ahead is read on each call, so it
 * fails as `resolveExpiry` does.
 */
export function expiryResolver(
  rule: ExpiryRule | undefined,
): (start: number, timeZone: string) => number | null {
  if (rule === undefined || rule === "never") {
    return (_start, timeZone) => {
      assertTimeZone(timeZone);
      return null;
    };
  }
  const resolve = ruleResolver(rule);
  return (start, timeZone) => {
    assertTimeZone(timeZone);
    return Math.max(resolve(start, timeZone), start + 1);
  };
}

/** `resolveActivation` read once, as `expiryResolver` is for `resolveExpiry`. */
export function activationResolver(
  rule: ActivationRule | undefined,
): (start: number, timeZone: string) => number {
  if (rule === undefined || rule === "immediately") {
    return (start, timeZone) => {
      assertTimeZone(timeZone);
      return start;
    };
  }
  const resolve = ruleResolver(rule);
  return (start, timeZone) => {
    assertTimeZone(timeZone);
    return Math.max(resolve(start, timeZone), start);
  };
}

function ruleResolver(rule: DateRule): (start: number, timeZone: string) => number {
  const direct = (start: number, timeZone: string) => resolveRule(rule, start, timeZone);
  if (typeof rule !== "object" || rule === null) return direct;
  if ("at" in rule) {
    const parsed = parseInstant(rule.at);
    return parsed.ok ? () => parsed.ms : direct;
  }
  const utc = utcDateRule(rule);
  if (utc === undefined) return direct;
  return (start, timeZone) => (timeZone === "UTC" ? utc(start) : zonedRule(rule, start, timeZone));
}

function resolveRule(rule: DateRule, start: number, timeZone: string): number {
  if ("at" in rule) {
    const parsed = parseInstant(rule.at);
    if (!parsed.ok) throw invalidInput({ path: "at", message: parsed.message });
    return parsed.ms;
  }
  if (timeZone === "UTC") {
    const utc = utcDateRule(rule);
    if (utc !== undefined) return utc(start);
  }
  return zonedRule(rule, start, timeZone);
}

/** A duration or `endOf` rule on the wall clock of `timeZone`, through `TZDate` (DST-correct in every zone). */
export function zonedRule(
  rule: Exclude<DateRule, { at: string }>,
  start: number,
  timeZone: string,
): number {
  if ("endOf" in rule) {
    return startOfNext(rule.endOf, rule.plus ?? 0, new TZDate(start, timeZone)).getTime();
  }
  let date = new TZDate(start, timeZone);
  if (rule.years) date = addYears(date, rule.years);
  if (rule.months) date = addMonths(date, rule.months);
  if (rule.days) date = addDays(date, rule.days);
  if (rule.hours) date = addHours(date, rule.hours);
  return date.getTime();
}

/** The start of the unit after the one holding `date`, plus `plus` more units, in `date`'s zone. */
function startOfNext(unit: CalendarUnit, plus: number, date: TZDate): TZDate {
  const steps = 1 + plus;
  switch (unit) {
    case "day":
      return addDays(startOfDay(date), steps);
    case "week":
      return addWeeks(startOfWeek(date, { weekStartsOn: 1 }), steps);
    case "month":
      return addMonths(startOfMonth(date), steps);
    case "quarter":
      return addQuarters(startOfQuarter(date), steps);
    case "year":
      return addYears(startOfYear(date), steps);
    default:
      throw invalidInput({
        path: "endOf",
        message: `unknown calendar unit ${JSON.stringify(unit)}`,
      });
  }
}

function checkedTime(date: Date, path: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidInput({ path, message: "expected a valid Date" });
  return ms;
}
