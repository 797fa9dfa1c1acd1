import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { wallTime, wallToInstant } from "./wall.js";
import { assertTimeZone, isTimeZone, zoneOffset } from "./zone.js";

const HOUR = 3_600_000;
const DAY_MS = 86_400_000;
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "America/Santiago",
  "Pacific/Chatham",
  "Pacific/Apia",
  "Asia/Kathmandu",
] as const;

const formats = new Map<string, Intl.DateTimeFormat>();
/** The zone's wall clock at `ms` as `Date.UTC` of its fields, read with `formatToParts` (seconds precision). */
function wallFromParts(ms: number, zone: string): number {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  const fields = Date.UTC(
    p.year as number,
    (p.month as number) - 1,
    p.day,
    p.hour,
    p.minute,
    p.second,
  );
  return fields + (((ms % 1000) + 1000) % 1000);
}

/** Instants from 1970 to 2040, a third of them within a day of a DST change. */
const instants = fc.oneof(
  fc.integer({ min: 0, max: Date.UTC(2040, 0, 1) }),
  fc
    .tuple(
      fc.constantFrom(
        Date.UTC(2026, 2, 8, 7),
        Date.UTC(2026, 10, 1, 6),
        Date.UTC(2026, 2, 29, 1),
        Date.UTC(2026, 3, 4, 15),
        Date.UTC(2026, 9, 3, 15, 30),
        Date.UTC(2026, 8, 6, 4),
        Date.UTC(2011, 11, 30, 10),
      ),
      fc.integer({ min: -DAY_MS, max: DAY_MS }),
    )
    .map(([change, offset]) => change + offset),
);

describe("zoneOffset", () => {
  test("known offsets, east positive, to the second", () => {
    expect(zoneOffset("Asia/Kolkata", Date.UTC(2026, 0, 1))).toBe(5.5 * HOUR);
    expect(zoneOffset("America/New_York", Date.UTC(2026, 0, 1))).toBe(-5 * HOUR);
    expect(zoneOffset("America/New_York", Date.UTC(2026, 6, 1))).toBe(-4 * HOUR);
    expect(zoneOffset("UTC", Date.UTC(2026, 6, 1))).toBe(0);
    expect(zoneOffset("Asia/Singapore", Date.UTC(1900, 0, 1))).toBe(
      (6 * 3600 + 55 * 60 + 25) * 1000,
    );
    // New York moves to EDT at 07:00 UTC on 8 March 2026.
    expect(zoneOffset("America/New_York", Date.UTC(2026, 2, 8, 7) - 1)).toBe(-5 * HOUR);
    expect(zoneOffset("America/New_York", Date.UTC(2026, 2, 8, 7))).toBe(-4 * HOUR);
    // Lord Howe moves to +11 at 15:30 UTC on 3 October 2026, inside a UTC hour.
    expect(zoneOffset("Australia/Lord_Howe", Date.UTC(2026, 9, 3, 15, 30) - 1)).toBe(10.5 * HOUR);
    expect(zoneOffset("Australia/Lord_Howe", Date.UTC(2026, 9, 3, 15, 30))).toBe(11 * HOUR);
  });

  test("agrees with the zone's wall clock read field by field", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (ms, zone) => {
        expect(zoneOffset(zone, ms)).toBe(wallFromParts(ms, zone) - ms);
      }),
      { numRuns: 3_000 },
    );
  });

  test("invalid times are NaN; unknown zones are INVALID_INPUT", () => {
    expect(zoneOffset("UTC", Number.NaN)).toBeNaN();
    expect(zoneOffset("Europe/London", 9e15)).toBeNaN();
    expect(() => zoneOffset("Mars/Olympus", 0)).toThrowError(/timeZone/);
    expect(isTimeZone("Europe/London")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(isTimeZone(42)).toBe(false);
    expect(() => assertTimeZone("Nowhere", "program.timeZone")).toThrowError(/program\.timeZone/);
  });
});

describe("wallToInstant", () => {
  test("a wall time shown once is that instant", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (ms, zone) => {
        const wall = wallTime(ms, zone);
        const back = wallToInstant(wall, zone);
        // Always shows the same wall time; the same instant unless the time is shown twice.
        expect(wallTime(back, zone)).toBe(wall);
        expect(back).toBeLessThanOrEqual(ms);
        if (back !== ms) expect(ms - back).toBe(zoneOffset(zone, back) - zoneOffset(zone, ms));
      }),
      { numRuns: 3_000 },
    );
  });

  test("the gap and the repeated hour in New York", () => {
    const zone = "America/New_York";
    // 8 March 2026 02:30 does not exist: 03:30 EDT.
    expect(wallToInstant(Date.UTC(2026, 2, 8, 2, 30), zone)).toBe(Date.UTC(2026, 2, 8, 7, 30));
    // 8 March 03:00 is the first instant of EDT.
    expect(wallToInstant(Date.UTC(2026, 2, 8, 3), zone)).toBe(Date.UTC(2026, 2, 8, 7));
    // 1 November 01:30 happens twice: the EDT one first.
    expect(wallToInstant(Date.UTC(2026, 10, 1, 1, 30), zone)).toBe(Date.UTC(2026, 10, 1, 5, 30));
    // 1 November 02:00 happens once, in EST.
    expect(wallToInstant(Date.UTC(2026, 10, 1, 2), zone)).toBe(Date.UTC(2026, 10, 1, 7));
  });

  test("Samoa's skipped 30 December 2011 moves to the 31st", () => {
    // Apia went from −10 to +14 at 10:00 UTC on 30 December 2011.
    expect(wallToInstant(Date.UTC(2011, 11, 30, 12), "Pacific/Apia")).toBe(
      Date.UTC(2011, 11, 30, 22),
    );
    expect(wallTime(Date.UTC(2011, 11, 30, 22), "Pacific/Apia")).toBe(Date.UTC(2011, 11, 31, 12));
  });
});
