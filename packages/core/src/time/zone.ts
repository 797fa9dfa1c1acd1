/**
 * Time zones through the platform's `Intl` (browsers and Node alike): which
 * names are zones, and a zone's offset from UTC at an instant. Nothing here
 * reads the host's own time zone.
 */
import { invalidInput } from "../errors.js";

/** What is kept of a zone found valid: the formatter that writes its offset, and offsets already read. */
interface KnownZone {
  readonly format: Intl.DateTimeFormat;
  /** Offset (ms) at the start of each UTC hour looked up, by hour number since the epoch. */
  readonly hourly: Map<number, number>;
}

/**
 * Zones already found valid. Building an `Intl.DateTimeFormat` costs about a
 * tenth of a millisecond and formatting an offset about a microsecond, so
 * each name is built once and each hour's offset read once. Created on
 * first use (importing the module does nothing) and bounded: only valid
 * names are added (there are a few hundred), and a zone's hourly offsets
 * are dropped when there are too many.
 */
let knownZones: Map<string, KnownZone> | undefined;
const MAX_KNOWN_ZONES = 1_000;
const MAX_HOURS_PER_ZONE = 4_096;

/** True when `value` names a time zone the platform knows (IANA names such as `"Europe/London"`, `"UTC"`). */
export function isTimeZone(value: unknown): value is string {
  return typeof value === "string" && knownZone(value) !== undefined;
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

const HOUR = 3_600_000;
/** The largest magnitude of a valid `Date` time value. */
const MAX_TIME = 8.64e15;

/**
 * The offset of `timeZone` from UTC at the instant `ms`, in milliseconds
 * (east positive: +19,800,000 for Asia/Kolkata), to the second for the old
 * local-mean-time offsets. `NaN` when `ms` is not a valid time; an unknown
 * zone throws `INVALID_INPUT`.
 *
 * A zone changes its offset at most once within an hour, so when the
 * offsets at the two UTC hour marks around `ms` agree, that is the offset
 * at `ms`; only an hour holding a change is read at `ms` itself.
 */
export function zoneOffset(timeZone: string, ms: number): number {
  if (!(Math.abs(ms) <= MAX_TIME)) return Number.NaN;
  const zone = knownZone(timeZone);
  if (zone === undefined) {
    assertTimeZone(timeZone);
    return Number.NaN;
  }
  const hour = Math.floor(ms / HOUR);
  if ((hour + 1) * HOUR <= MAX_TIME && hour * HOUR >= -MAX_TIME) {
    const atStart = hourlyOffset(zone, hour);
    if (atStart === hourlyOffset(zone, hour + 1)) return atStart;
  }
  return formatOffset(zone.format, ms);
}

function hourlyOffset(zone: KnownZone, hour: number): number {
  const known = zone.hourly.get(hour);
  if (known !== undefined) return known;
  const offset = formatOffset(zone.format, hour * HOUR);
  if (zone.hourly.size >= MAX_HOURS_PER_ZONE) zone.hourly.clear();
  zone.hourly.set(hour, offset);
  return offset;
}

/** `"…GMT+05:30"`, `"…GMT-00:44:30"`, or `"…GMT"` for zero. */
const OFFSET = /GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

function formatOffset(format: Intl.DateTimeFormat, ms: number): number {
  return readOffset(format.format(ms)) ?? Number.NaN;
}

function readOffset(text: string): number | undefined {
  const m = OFFSET.exec(text);
  if (m === null) return undefined;
  if (m[1] === undefined) return 0;
  const seconds = Number(m[2]) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return (m[1] === "-" ? -seconds : seconds) * 1_000;
}

/**
 * What is kept of `name`, or `undefined` when the platform does not know
 * the zone (or cannot write its offset, so it cannot be used).
 */
function knownZone(name: string): KnownZone | undefined {
  const known = knownZones?.get(name);
  if (known !== undefined) return known;
  if (name.length === 0 || name.length > 100) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
  } catch {
    return undefined;
  }
  if (readOffset(format.format(0)) === undefined) return undefined;
  const zone: KnownZone = { format, hourly: new Map() };
  knownZones ??= new Map();
  if (knownZones.size < MAX_KNOWN_ZONES) knownZones.set(name, zone);
  return zone;
}
