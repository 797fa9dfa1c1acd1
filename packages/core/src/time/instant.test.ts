import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatInstant, parseInstant } from "./instant.js";
import { isTimeZone } from "./zone.js";

const ms = (value: string) => {
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.ms : parsed.message;
};

describe("parseInstant", () => {
  test("accepts instants with Z or an offset", () => {
    expect(ms("2026-11-27T00:00:00Z")).toBe(Date.UTC(2026, 10, 27));
    expect(ms("2026-11-27T05:30:00+05:30")).toBe(Date.UTC(2026, 10, 27));
    expect(ms("2026-11-26T19:00-05:00")).toBe(Date.UTC(2026, 10, 27));
    expect(ms("2026-11-27T00:00:00.123456789Z")).toBe(Date.UTC(2026, 10, 27) + 123);
  });

  test("rejects local times, dates alone, impossible dates and other types", () => {
    for (const bad of [
      "2026-11-27T00:00:00",
      "2026-11-27",
      "2026-02-30T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-11-27T24:00:00Z",
      "2026-11-27T00:00:00+24:00",
      "1969-12-31T23:59:59Z",
      " 2026-11-27T00:00:00Z",
      "",
    ]) {
      expect(typeof ms(bad)).toBe("string");
    }
    expect(parseInstant(Date.UTC(2026, 0, 1)).ok).toBe(false);
    expect(parseInstant(null).ok).toBe(false);
  });

  test("29 February only in leap years", () => {
    expect(typeof ms("2028-02-29T00:00:00Z")).toBe("number");
    expect(typeof ms("2026-02-29T00:00:00Z")).toBe("string");
  });
});

describe("isTimeZone", () => {
  test("IANA names and UTC", () => {
    expect(isTimeZone("Europe/London")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Asia/Kolkata")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(isTimeZone(5)).toBe(false);
  });
});

describe("properties", () => {
  test("formatInstant and parseInstant round-trip every millisecond from 1970 to 9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (t) => {
        expect(ms(formatInstant(t))).toBe(t);
      }),
    );
  });

  test("formatInstant writes what toISOString writes, and throws where it throws", () => {
    const write = (ms: number) => {
      try {
        return formatInstant(ms);
      } catch (error) {
        return error instanceof RangeError ? "RangeError" : "other";
      }
    };
    const iso = (ms: number) => {
      try {
        return new Date(ms).toISOString();
      } catch (error) {
        return error instanceof RangeError ? "RangeError" : "other";
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.integer({ min: Date.UTC(999, 11, 31), max: Date.UTC(10000, 0, 2) }),
          fc.constantFrom(
            Date.UTC(1000, 0, 1) - 1,
            Date.UTC(1000, 0, 1),
            Date.UTC(10000, 0, 1) - 1,
            Date.UTC(10000, 0, 1),
            8.64e15 + 1,
            Number.NaN,
            Number.POSITIVE_INFINITY,
          ),
        ),
        (ms) => {
          expect(write(ms)).toBe(iso(ms));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("formatInstant writes what toISOString writes for runs of instants in the same few minutes", () => {
    const minute = 60_000;
    const instants = fc
      .tuple(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(10000, 0, 1) - 10 * minute }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: minute - 1 })),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
      )
      .map(([start, steps]) => steps.map(([minutes, ms]) => start + minutes * minute + ms));
    fc.assert(
      fc.property(instants, (run) => {
        for (const ms of run) expect(formatInstant(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
  });

  test("an offset moves the instant by exactly the offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (t, offsetMinutes) => {
          const base = formatInstant(t).slice(0, 23);
          const sign = offsetMinutes < 0 ? "-" : "+";
          const abs = Math.abs(offsetMinutes);
          const text = `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          expect(ms(text)).toBe(t - offsetMinutes * 60_000);
        },
      ),
    );
  });
});
