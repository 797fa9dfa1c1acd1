/**
 * Calendar periods for per-user caps, in the program's time zone: the key of
 * the period holding an instant, and the usage-counter key built from it.
 */
import { invalidInput } from "../errors.js";
import type { CapPeriod } from "../rules/types.js";
import { isoWeek } from "./calendar.js";
import { wallTime } from "./wall.js";
import { assertTimeZone } from "./zone.js";

/**
 * The period holding `at` in `timeZone`: `"2026-11-27"` (day), `"2026-W48"`
 * (ISO week, so the year is the ISO week-numbering year), `"2026-11"`
 * (month), `"2026"` (year) or `"lifetime"`.
 */
export function periodKey(period: CapPeriod, at: Date, timeZone: string): string {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidInput({ path: "at", message: "expected a valid Date" });
  if (period === "lifetime") return "lifetime";
  assertTimeZone(timeZone);
  const wall = timeZone === "UTC" ? ms : wallTime(ms, timeZone);
  const local = new Date(wall);
  switch (period) {
    case "day":
      return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
    case "week": {
      const { year, week } = isoWeek(wall);
      return `${pad(year, 4)}-W${pad(week, 2)}`;
    }
    case "month":
      return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}`;
    case "year":
      return pad(local.getUTCFullYear(), 4);
    default:
      throw invalidInput({
        path: "period",
        message: `unknown cap period ${JSON.stringify(period)}`,
      });
  }
}

/**
 * The usage-counter key of one event, period kind and period: a JSON array,
 * so no event id (whatever characters it holds) can collide with another.
 */
export function usageKey(eventId: string, period: CapPeriod, at: Date, timeZone: string): string {
  return JSON.stringify([eventId, period, periodKey(period, at, timeZone)]);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
