/**
 * Calendar periods for per-user caps, in the program's time zone: the key of
 * the period holding an instant, and the usage-counter key built from it.
 */
import { TZDate } from "@date-fns/tz";
import { getISOWeek, getISOWeekYear } from "date-fns";
import { invalidInput } from "../errors.js";
import type { CapPeriod } from "../rules/types.js";
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
  const local = new TZDate(ms, timeZone);
  switch (period) {
    case "day":
      return `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1, 2)}-${pad(local.getDate(), 2)}`;
    case "week":
      return `${pad(getISOWeekYear(local), 4)}-W${pad(getISOWeek(local), 2)}`;
    case "month":
      return `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1, 2)}`;
    case "year":
      return pad(local.getFullYear(), 4);
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
