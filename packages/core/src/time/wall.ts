/**
 * The wall clock of a time zone as plain numbers. A *wall time* is the local
 * date and time of day written as epoch milliseconds read in UTC: the
 * instant 2026-03-15T12:00:00Z in New York (EDT, −4 h) has the wall time
 * `Date.UTC(2026, 2, 15, 8, 0)`. Calendar arithmetic then works on the
 * `getUTC*` / `setUTC*` fields of a plain `Date`, and converting back needs
 * only the zone's offsets.
 *
 * Everything here is a function of the instant (or wall time) and the zone
 * name: the host's own time zone is never read, so a browser in Los Angeles
 * and a server in UTC compute the same instants.
 */
import { zoneOffset } from "./zone.js";

const DAY = 86_400_000;

/** The wall time in `timeZone` at the instant `ms`. */
export function wallTime(ms: number, timeZone: string): number {
  return ms + zoneOffset(timeZone, ms);
}

/**
 * The instant at which the clocks of `timeZone` show `wall`:
 *
 * - a wall time that occurs once is that instant;
 * - a wall time that occurs twice (clocks turned back) is its earlier
 *   occurrence: 01:30 on the night New York leaves summer time is 01:30 EDT;
 * - a wall time that never occurs (clocks turned forward over it) is read
 *   with the offset in force before the change, which moves it forward by
 *   the length of the gap: 02:30 on the night New York enters summer time
 *   is 03:30 EDT.
 *
 * (These are the rules of RFC 5545 and of `Temporal`'s `"compatible"`
 * disambiguation.) The offsets are looked up a day either side of `wall`,
 * so zones are assumed not to change their offset twice within two days.
 */
export function wallToInstant(wall: number, timeZone: string): number {
  const before = zoneOffset(timeZone, wall - DAY);
  const early = wall - before;
  const atEarly = zoneOffset(timeZone, early);
  // The offset before the change still holds at that reading: it is the
  // earliest (and, unless the clocks went back over it, the only) one.
  if (atEarly === before) return early;
  // The clocks changed in between: read it with the offset after the change.
  const late = wall - atEarly;
  if (zoneOffset(timeZone, late) === atEarly) return late;
  // Neither reading holds: `wall` is in a gap.
  return early;
}
