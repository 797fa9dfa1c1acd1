/**
 * When earned coins expire and when they become spendable, in the program's
 * time zone.
 *
 * - Durations (`{ years, months, days, hours }`) are calendar arithmetic on
 *   the wall clock of the zone, largest unit first: one day after 12:00 on
 *   the eve of a DST change is 12:00 the next day (23 or 25 hours later), and
 *   a month after 31 January is the last day of February. `hours` are
 *   elapsed hours, added after the calendar part.
 * - `{ endOf, plus }` is the first instant after the end of the current
 *   calendar unit, plus `plus` more units: the start of the next period
 *   (weeks start on Monday, ISO). `{ endOf: "month" }` for coins earned on
 *   15 March is 1 April 00:00 local.
 * - `{ at }` is a fixed instant.
 *
 * A wall-clock result that the zone's clocks skip (turned forward over it)
 * moves forward by the length of the gap; one they show twice (turned back)
 * is its earlier occurrence (see `wallToInstant`).
 *
 * Every result is a function of the earning instant, the rule and the zone
 * name alone: nothing reads the host's time zone, so a browser preview and
 * a server in another zone agree to the millisecond.
 *
 * Expiry instants are exclusive: a lot with `expiresAt` T counts until just
 * before T and is dead at T. That is why `endOf` resolves to the start of the
 * next period rather than to 23:59:59.999.
 */
import { invalidInput } from "../errors.js";
import type { ActivationRule, DateRule, ExpiryRule } from "../rules/types.js";
import { addCalendar, readCalendarRule, startOfNext } from "./calendar.js";
import { parseInstant } from "./instant.js";
import { wallTime, wallToInstant } from "./wall.js";
import { assertTimeZone } from "./zone.js";

/** `(earning instant in epoch ms, zone) ↦ epoch ms` for one date rule. */
type Resolver = (start: number, timeZone: string) => number;

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
  const ms = expiryResolver(rule)(checkedTime(earnedAt, "earnedAt"), timeZone);
  return ms === null ? null : new Date(ms);
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
  return new Date(activationResolver(rule)(checkedTime(earnedAt, "earnedAt"), timeZone));
}

/**
 * An expiry rule read once: for a valid earning instant `start` (epoch ms)
 * and a zone, what `resolveExpiry` gives, as epoch ms (or `null`). A rule
 * that cannot be read is read again on each call, so it fails as
 * `resolveExpiry` does.
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
  const resolve = readRuleAhead(rule);
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
  const resolve = readRuleAhead(rule);
  return (start, timeZone) => {
    assertTimeZone(timeZone);
    return Math.max(resolve(start, timeZone), start);
  };
}

/** `readRule(rule)`, or, when the rule cannot be read, a resolver that reads it (and fails) on each call. */
function readRuleAhead(rule: DateRule): Resolver {
  try {
    return readRule(rule);
  } catch {
    return (start, timeZone) => readRule(rule)(start, timeZone);
  }
}

/** The resolver of a date rule; `INVALID_INPUT` when the rule cannot be read. */
function readRule(rule: DateRule): Resolver {
  if (typeof rule !== "object" || rule === null) {
    throw invalidInput({ path: "", message: "expected a date rule object" });
  }
  if ("at" in rule) {
    const parsed = parseInstant(rule.at);
    if (!parsed.ok) throw invalidInput({ path: "at", message: parsed.message });
    const { ms } = parsed;
    return () => ms;
  }
  const calendar = readCalendarRule(rule);
  if (calendar.kind === "endOf") {
    const { unit, steps } = calendar;
    return (start, timeZone) =>
      timeZone === "UTC"
        ? startOfNext(unit, steps, start)
        : wallToInstant(startOfNext(unit, steps, wallTime(start, timeZone)), timeZone);
  }
  const { years, months, days, hours } = calendar;
  const elapsed = hours * 3_600_000;
  if (years === 0 && months === 0 && days === 0) return (start) => start + elapsed;
  return (start, timeZone) =>
    (timeZone === "UTC"
      ? addCalendar(start, years, months, days)
      : wallToInstant(addCalendar(wallTime(start, timeZone), years, months, days), timeZone)) +
    elapsed;
}

function checkedTime(date: Date, path: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidInput({ path, message: "expected a valid Date" });
  return ms;
}
