/**
 * ISO-8601 instants as coin events store them: a calendar date, a time and
 * an explicit zone (`Z` or `±hh:mm`). Parsed strictly (no `Date.parse`
 * leniency, no local-time guessing) and written back in one canonical form,
 * `toISOString()` in UTC.
 */

import { typeName } from "../input.js";

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

/** Earliest and latest years accepted in an instant. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

/**
 * Epoch milliseconds of an ISO-8601 instant with a zone, or a message saying
 * why it is not one. Fractions beyond milliseconds are truncated.
 */
export function parseInstant(
  value: unknown,
): { ok: true; ms: number } | { ok: false; message: string } {
  if (typeof value !== "string") {
    return {
      ok: false,
      message: `expected an ISO-8601 instant such as "2026-11-27T00:00:00Z", got ${typeName(value)}`,
    };
  }
  const m = value.length <= 40 ? INSTANT.exec(value) : null;
  if (m === null) {
    return {
      ok: false,
      message: `expected an ISO-8601 instant with a zone such as "2026-11-27T00:00:00Z" or "2026-11-27T05:30:00+05:30", got ${JSON.stringify(value.slice(0, 60))}`,
    };
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    return { ok: false, message: `year must be between ${MIN_YEAR} and ${MAX_YEAR}` };
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: `${m[1]}-${m[2]}-${m[3]} is not a calendar date` };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: "time of day out of range" };
  }
  if (offsetHours > 23 || offsetMinutes > 59) {
    return { ok: false, message: "zone offset out of range" };
  }
  const sign = m[9] === "-" ? -1 : 1;
  const offset = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
  if (ms < Date.UTC(MIN_YEAR, 0, 1) || ms >= Date.UTC(MAX_YEAR + 1, 0, 1)) {
    return { ok: false, message: `instant must be between ${MIN_YEAR} and ${MAX_YEAR}` };
  }
  return { ok: true, ms };
}

/**
 * The canonical form of an instant: `toISOString()` (UTC, milliseconds).
 * Whole milliseconds in years 1000–9999 are written here: the date, hour
 * and minute from the last two minutes written (instants come in runs of
 * the same few minutes: now, an expiry at midnight), the seconds by
 * arithmetic, which is several times faster than `toISOString()`; anything
 * else (and invalid times, which throw) goes to it.
 */
export function formatInstant(ms: number): string {
  if (!(ms >= FIRST_WRITTEN && ms < END_WRITTEN) || !Number.isInteger(ms)) {
    return new Date(ms).toISOString();
  }
  const minute = Math.floor(ms / MINUTE);
  const millis = ms - minute * MINUTE;
  const seconds = Math.floor(millis / 1000);
  return `${minuteText(minute)}${two(seconds)}.${three(millis - seconds * 1000)}Z`;
}

const MINUTE = 60_000;
const FIRST_WRITTEN = Date.UTC(1000, 0, 1);
const END_WRITTEN = Date.UTC(10000, 0, 1);

/** The last two minutes written (`YYYY-MM-DDTHH:MM:`), by minute number since the epoch, latest first. */
let latest = { minute: Number.NaN, text: "" };
let previous = latest;

function minuteText(minute: number): string {
  if (minute === latest.minute) return latest.text;
  let found = previous;
  if (minute !== found.minute) {
    const date = new Date(minute * MINUTE);
    found = {
      minute,
      text: `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:`,
    };
  }
  previous = latest;
  latest = found;
  return found.text;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in `month` (1–12) of a Gregorian `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}
