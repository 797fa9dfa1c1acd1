/**
 * The model's calendar: cap periods and expiry/activation instants in a
 * program's time zone, computed here on epoch milliseconds. The model runs
 * in UTC and in Asia/Kolkata, whose offset has been a constant +05:30 (no
 * daylight saving) since 1945, so a wall-clock time is the instant shifted
 * by a fixed offset and calendar arithmetic is plain `Date.UTC` on the
 * shifted value.
 */

/** The zones the model knows, with their fixed offset from UTC in minutes. */
export const ZONES = { UTC: 0, "Asia/Kolkata": 330 } as const;
export type Zone = keyof typeof ZONES;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

const offsetOf = (zone: Zone): number => ZONES[zone] * 60_000;

/** Wall-clock fields of an instant in the zone (month 0-11, weekday 0 = Sunday). */
interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
  /** Milliseconds since local midnight. */
  readonly time: number;
}

function wall(ms: number, zone: Zone): Wall {
  const local = new Date(ms + offsetOf(zone));
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth(),
    day: local.getUTCDate(),
    weekday: local.getUTCDay(),
    time: ms + offsetOf(zone) - midnight,
  };
}

/** The instant of a wall-clock date (months may overflow; `Date.UTC` normalises them). */
function instant(zone: Zone, year: number, month: number, day: number, time = 0): number {
  return Date.UTC(year, month, day) + time - offsetOf(zone);
}

const daysIn = (year: number, month: number): number =>
  new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

export type CapPeriod = "day" | "week" | "month" | "year" | "lifetime";
export const CAP_PERIODS: readonly CapPeriod[] = ["day", "week", "month", "year", "lifetime"];

/** The first instant of the period holding `ms` (weeks start on Monday); 0 for lifetime. */
export function periodStart(period: CapPeriod, ms: number, zone: Zone): number {
  const w = wall(ms, zone);
  switch (period) {
    case "day":
      return instant(zone, w.year, w.month, w.day);
    case "week":
      return instant(zone, w.year, w.month, w.day - ((w.weekday + 6) % 7));
    case "month":
      return instant(zone, w.year, w.month, 1);
    case "year":
      return instant(zone, w.year, 0, 1);
    case "lifetime":
      return 0;
  }
}

export type CalendarUnit = "day" | "week" | "month" | "quarter" | "year";

/** A relative date rule: a duration, or the end of a calendar unit plus more units. */
export type Duration = {
  readonly years?: number;
  readonly months?: number;
  readonly days?: number;
  readonly hours?: number;
};
export type RelativeRule = Duration | { readonly endOf: CalendarUnit; readonly plus?: number };

/** Add whole months on the wall clock, keeping the time and clamping the day to the month's end. */
function addMonths(ms: number, months: number, zone: Zone): number {
  if (months === 0) return ms;
  const w = wall(ms, zone);
  const target = new Date(Date.UTC(w.year, w.month + months, 1));
  const year = target.getUTCFullYear();
  const month = target.getUTCMonth();
  return instant(zone, year, month, Math.min(w.day, daysIn(year, month)), w.time);
}

/**
 * The instant a relative rule gives from `ms`: durations add years, months,
 * days on the wall clock (largest first), then elapsed hours; `endOf` is the
 * first instant of the next unit, plus `plus` more units.
 */
export function resolveRelative(rule: RelativeRule, ms: number, zone: Zone): number {
  if ("endOf" in rule) {
    const steps = 1 + (rule.plus ?? 0);
    const w = wall(ms, zone);
    switch (rule.endOf) {
      case "day":
        return instant(zone, w.year, w.month, w.day + steps);
      case "week":
        return instant(zone, w.year, w.month, w.day - ((w.weekday + 6) % 7) + 7 * steps);
      case "month":
        return instant(zone, w.year, w.month + steps, 1);
      case "quarter":
        return instant(zone, w.year, w.month - (w.month % 3) + 3 * steps, 1);
      case "year":
        return instant(zone, w.year + steps, 0, 1);
    }
  }
  let at = addMonths(addMonths(ms, 12 * (rule.years ?? 0), zone), rule.months ?? 0, zone);
  if (rule.days) {
    const w = wall(at, zone);
    at = instant(zone, w.year, w.month, w.day + rule.days, w.time);
  }
  return at + (rule.hours ?? 0) * HOUR_MS;
}
