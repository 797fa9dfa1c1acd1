/**
 * Comparing two duration rules (`{ years, months, days, hours }`) without a
 * start instant or a time zone: whether coins that expire after one duration
 * can ever outlast an activation delay of the other.
 *
 * Durations are calendar arithmetic on the zone's wall clock (years and
 * months first, then days), then elapsed hours. A year is 12 months (the same
 * arithmetic), so only the lengths of months, of days and the zone's offset
 * changes vary with the start; they are bounded here:
 * - `m` months span at most 366 days per 12 months plus 31 per month left,
 *   and at least 365 days per 12 months plus 30 per month left, less 2 for a
 *   February and 3 for a 31st moved back to a 28th;
 * - calendar days last 24 hours, give or take the zone's offset change over
 *   the span, taken to be at most {@link OFFSET_CHANGE_HOURS}.
 */

/** A duration as parsed: at least one field greater than 0. */
export interface Duration {
  readonly years?: number;
  readonly months?: number;
  readonly days?: number;
  readonly hours?: number;
}

/** The largest change of a zone's UTC offset between two instants, in hours (DST moves 1 hour, rarely 2). */
export const OFFSET_CHANGE_HOURS = 2;

/**
 * True when coins that expire `expiry` after they are earned can never
 * outlast an activation delay of `activation`, whatever the earning instant
 * and the time zone: the expiry always falls at or before the activation.
 */
export function neverOutlasts(expiry: Duration, activation: Duration): boolean {
  const e = normal(expiry);
  const a = normal(activation);
  // Each part no larger: the same arithmetic with smaller steps never ends later.
  if (e.months <= a.months && e.days <= a.days && e.hours <= a.hours) return true;
  const latest = mostDays(e.months) + e.days;
  const earliest = fewestDays(a.months) + a.days;
  // A wall-clock date no later, then no more elapsed hours.
  if (latest <= earliest && e.hours <= a.hours) return true;
  // Elapsed lengths: calendar days as 24 hours, give or take the offset change.
  const longest = latest * 24 + (latest > 0 ? OFFSET_CHANGE_HOURS : 0) + e.hours;
  const shortest = earliest * 24 - (earliest > 0 ? OFFSET_CHANGE_HOURS : 0) + a.hours;
  return longest <= shortest;
}

function normal(d: Duration): { months: number; days: number; hours: number } {
  return { months: (d.years ?? 0) * 12 + (d.months ?? 0), days: d.days ?? 0, hours: d.hours ?? 0 };
}

/** Most calendar days `months` months can span: any 12 consecutive months hold at most 366 days. */
export function mostDays(months: number): number {
  return 366 * Math.floor(months / 12) + 31 * (months % 12);
}

/**
 * Fewest calendar days `months` months can span: any 12 consecutive months
 * hold at least 365 days; of the months left, every one but a February has
 * 30 days or more, and a 31st moved to a shorter month's last day loses at
 * most 3 days more.
 */
export function fewestDays(months: number): number {
  const rest = months % 12;
  return 365 * Math.floor(months / 12) + (rest === 0 ? 0 : 30 * rest - 5);
}
