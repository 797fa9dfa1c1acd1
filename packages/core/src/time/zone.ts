/** Time zone checks, through the platform's `Intl` (browsers and Node alike). */
import { invalidInput } from "../errors.js";

/**
 * Zones already found valid. Building an `Intl.DateTimeFormat` costs about a
 * tenth of a millisecond, so each name is checked once. Created on first
 * use (importing the module does nothing) and bounded, since only valid
 * names are added and there are a few hundred of them.
 */
let knownZones: Set<string> | undefined;
const MAX_KNOWN_ZONES = 1_000;

/** True when `value` names a time zone the platform knows (IANA names such as `"Europe/London"`, `"UTC"`). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 100) return false;
  if (knownZones?.has(value)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
  } catch {
    return false;
  }
  knownZones ??= new Set();
  if (knownZones.size < MAX_KNOWN_ZONES) knownZones.add(value);
  return true;
}

/** Throws `INVALID_INPUT` at `path` unless `timeZone` is a known time zone. */
export function assertTimeZone(timeZone: unknown, path = "timeZone"): asserts timeZone is string {
  if (!isTimeZone(timeZone)) {
    throw invalidInput({
      path,
      message: `expected an IANA time zone such as "Europe/London", got ${JSON.stringify(String(timeZone).slice(0, 80))}`,
    });
  }
}
