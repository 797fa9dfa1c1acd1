import { TZDate } from "@date-fns/tz";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import type { DateRule, ExpiryRule } from "../rules/types.js";
import { resolveActivation, resolveExpiry } from "./dates.js";

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;
/** Wall-clock "YYYY-MM-DD HH:mm" of an instant in a zone. */
function local(d: Date | null, zone: string): string {
  if (d === null) return "never";
  const t = new TZDate(d.getTime(), zone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
}

describe("resolveExpiry: durations", () => {
  test("90 days from 2026-03-01 12:00 in New York keeps 12:00 local across the DST change", () => {
    const earned = at("2026-03-01T17:00:00Z"); // 12:00 EST
    const expiry = resolveExpiry({ days: 90 }, earned, "America/New_York");
    expect(local(expiry, "America/New_York")).toBe("2026-05-30 12:00");
    expect(iso(expiry)).toBe("2026-05-30T16:00:00.000Z"); // 12:00 EDT
  });

  test("one day across spring-forward is 23 hours and keeps the wall-clock time", () => {
    const earned = at("2026-03-07T17:00:00Z"); // Sat 12:00 EST
    const expiry = resolveExpiry({ days: 1 }, earned, "America/New_York");
    expect(local(expiry, "America/New_York")).toBe("2026-03-08 12:00");
    expect((expiry?.getTime() ?? 0) - earned.getTime()).toBe(23 * 3_600_000);
  });

  test("one day across fall-back in London is 25 hours", () => {
    const earned = at("2026-10-24T11:00:00Z"); // 12:00 BST
    const expiry = resolveExpiry({ days: 1 }, earned, "Europe/London");
    expect(local(expiry, "Europe/London")).toBe("2026-10-25 12:00");
    expect((expiry?.getTime() ?? 0) - earned.getTime()).toBe(25 * 3_600_000);
  });

  test("Lord Howe's half-hour DST shift", () => {
    const earned = at("2026-10-03T01:30:00Z"); // 12:00 at +10:30
    const expiry = resolveExpiry({ days: 1 }, earned, "Australia/Lord_Howe");
    expect(local(expiry, "Australia/Lord_Howe")).toBe("2026-10-04 12:00");
    expect((expiry?.getTime() ?? 0) - earned.getTime()).toBe(23.5 * 3_600_000);
  });

  test("hours are elapsed hours, not wall-clock hours", () => {
    const earned = at("2026-03-07T17:00:00Z");
    const expiry = resolveExpiry({ hours: 24 }, earned, "America/New_York");
    expect(iso(expiry)).toBe("2026-03-08T17:00:00.000Z");
    expect(local(expiry, "America/New_York")).toBe("2026-03-08 13:00");
  });

  test("a month after 31 January is the last day of February", () => {
    const expiry = resolveExpiry({ months: 1 }, at("2026-01-31T10:00:00Z"), "UTC");
    expect(iso(expiry)).toBe("2026-02-28T10:00:00.000Z");
  });

  test("a year after 29 February is 28 February", () => {
    expect(iso(resolveExpiry({ years: 1 }, at("2028-02-29T10:00:00Z"), "UTC"))).toBe(
      "2029-02-28T10:00:00.000Z",
    );
  });

  test("larger units apply first: 1 month 1 day after 30 January", () => {
    // Jan 30 + 1 month = Feb 28, + 1 day = Mar 1.
    expect(iso(resolveExpiry({ months: 1, days: 1 }, at("2026-01-30T00:00:00Z"), "UTC"))).toBe(
      "2026-03-01T00:00:00.000Z",
    );
  });

  test("calendar days follow the zone, not UTC", () => {
    // 23:30 in Kolkata on 31 Jan is 18:00 UTC; a month later in Kolkata is 28 Feb 23:30 local.
    const expiry = resolveExpiry({ months: 1 }, at("2026-01-31T18:00:00Z"), "Asia/Kolkata");
    expect(local(expiry, "Asia/Kolkata")).toBe("2026-02-28 23:30");
  });
});

describe("resolveExpiry: end of a calendar unit (exclusive)", () => {
  test("end of month in Asia/Kolkata is the local start of the next month", () => {
    // 2026-01-31T20:00Z is already 1 Feb 01:30 in Kolkata.
    const expiry = resolveExpiry({ endOf: "month" }, at("2026-01-31T20:00:00Z"), "Asia/Kolkata");
    expect(iso(expiry)).toBe("2026-02-28T18:30:00.000Z");
    expect(local(expiry, "Asia/Kolkata")).toBe("2026-03-01 00:00");
  });

  test("end of month plus 3", () => {
    const expiry = resolveExpiry({ endOf: "month", plus: 3 }, at("2026-11-27T10:00:00Z"), "UTC");
    expect(iso(expiry)).toBe("2027-03-01T00:00:00.000Z");
  });

  test("end of day in London during summer time", () => {
    const expiry = resolveExpiry({ endOf: "day" }, at("2026-07-10T23:30:00Z"), "Europe/London");
    expect(iso(expiry)).toBe("2026-07-11T23:00:00.000Z");
  });

  test("end of week: weeks start on Monday", () => {
    // Friday 2026-11-27 → Monday 2026-11-30 00:00.
    expect(iso(resolveExpiry({ endOf: "week" }, at("2026-11-27T10:00:00Z"), "UTC"))).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    // A Sunday belongs to the week that started the Monday before.
    expect(iso(resolveExpiry({ endOf: "week" }, at("2026-11-29T10:00:00Z"), "UTC"))).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    // Monday 00:00 itself starts a new week.
    expect(iso(resolveExpiry({ endOf: "week" }, at("2026-11-30T00:00:00Z"), "UTC"))).toBe(
      "2026-12-07T00:00:00.000Z",
    );
  });

  test("end of quarter and of year", () => {
    expect(iso(resolveExpiry({ endOf: "quarter" }, at("2026-11-27T10:00:00Z"), "UTC"))).toBe(
      "2027-01-01T00:00:00.000Z",
    );
    expect(iso(resolveExpiry({ endOf: "quarter" }, at("2026-04-01T00:00:00Z"), "UTC"))).toBe(
      "2026-07-01T00:00:00.000Z",
    );
    expect(iso(resolveExpiry({ endOf: "year", plus: 1 }, at("2026-11-27T10:00:00Z"), "UTC"))).toBe(
      "2028-01-01T00:00:00.000Z",
    );
  });

  test("end of year in New York is midnight New York time", () => {
    expect(
      iso(resolveExpiry({ endOf: "year" }, at("2026-12-31T23:00:00Z"), "America/New_York")),
    ).toBe("2027-01-01T05:00:00.000Z");
  });

  test("end of day at the start of a day is the start of the next day, never the same instant", () => {
    expect(iso(resolveExpiry({ endOf: "day" }, at("2026-11-27T00:00:00Z"), "UTC"))).toBe(
      "2026-11-28T00:00:00.000Z",
    );
  });
});

describe("resolveExpiry: fixed instants and never", () => {
  test("a future instant is used as is", () => {
    expect(
      iso(resolveExpiry({ at: "2026-12-31T00:00:00.000Z" }, at("2026-11-27T00:00:00Z"), "UTC")),
    ).toBe("2026-12-31T00:00:00.000Z");
  });

  test("an instant at or before the earning instant expires the coins 1 ms after they are earned", () => {
    const earned = at("2027-01-05T00:00:00Z");
    expect(iso(resolveExpiry({ at: "2026-12-31T00:00:00.000Z" }, earned, "UTC"))).toBe(
      "2027-01-05T00:00:00.001Z",
    );
    expect(iso(resolveExpiry({ at: "2027-01-05T00:00:00.000Z" }, earned, "UTC"))).toBe(
      "2027-01-05T00:00:00.001Z",
    );
  });

  test("never and no rule are null", () => {
    expect(resolveExpiry("never", at("2026-11-27T00:00:00Z"), "UTC")).toBeNull();
    expect(resolveExpiry(undefined, at("2026-11-27T00:00:00Z"), "UTC")).toBeNull();
  });

  test("an unknown time zone or an invalid date is INVALID_INPUT", () => {
    expect(() =>
      resolveExpiry({ days: 1 }, at("2026-11-27T00:00:00Z"), "Mars/Olympus"),
    ).toThrowError(CoinageError);
    expect(() => resolveExpiry({ days: 1 }, new Date(Number.NaN), "UTC")).toThrowError(/earnedAt/);
  });
});

describe("resolveActivation", () => {
  const earned = at("2026-11-27T10:00:00Z");
  test("immediately and no rule are the earning instant", () => {
    expect(iso(resolveActivation("immediately", earned, "UTC"))).toBe("2026-11-27T10:00:00.000Z");
    expect(iso(resolveActivation(undefined, earned, "UTC"))).toBe("2026-11-27T10:00:00.000Z");
  });

  test("a delay in days, and the start of next month", () => {
    expect(iso(resolveActivation({ days: 14 }, earned, "UTC"))).toBe("2026-12-11T10:00:00.000Z");
    expect(iso(resolveActivation({ endOf: "month" }, earned, "UTC"))).toBe(
      "2026-12-01T00:00:00.000Z",
    );
  });

  test("a fixed instant in the past means immediately", () => {
    expect(iso(resolveActivation({ at: "2026-01-01T00:00:00.000Z" }, earned, "UTC"))).toBe(
      "2026-11-27T10:00:00.000Z",
    );
    expect(iso(resolveActivation({ at: "2026-12-01T00:00:00.000Z" }, earned, "UTC"))).toBe(
      "2026-12-01T00:00:00.000Z",
    );
  });
});

const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "Pacific/Chatham",
  "Asia/Kathmandu",
] as const;
/** Instants from 2024 to 2030, biased towards DST-change days. */
const instants = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) }).map((ms) => new Date(ms)),
  fc
    .tuple(
      fc.constantFrom(
        "2026-03-08T06:00:00Z",
        "2026-03-29T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-11-01T05:30:00Z",
        "2026-10-03T15:30:00Z",
        "2026-04-04T14:30:00Z",
      ),
      fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }),
    )
    .map(([base, offset]) => new Date(Date.parse(base) + offset)),
);
const units = fc.constantFrom("day", "week", "month", "quarter", "year" as const);
const dateRules: fc.Arbitrary<DateRule> = fc.oneof(
  fc
    .record(
      {
        years: fc.integer({ min: 0, max: 5 }),
        months: fc.integer({ min: 0, max: 30 }),
        days: fc.integer({ min: 0, max: 400 }),
        hours: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    )
    .filter((r) => Object.values(r).some((n) => n > 0)),
  fc.record({ endOf: units, plus: fc.integer({ min: 0, max: 24 }) }, { requiredKeys: ["endOf"] }),
  fc
    .integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2032, 0, 1) })
    .map((ms) => ({ at: new Date(ms).toISOString() })),
);
const expiryRules: fc.Arbitrary<ExpiryRule> = fc.oneof(dateRules, fc.constant("never" as const));

describe("properties", () => {
  test("expiry is always after the earning instant", () => {
    fc.assert(
      fc.property(expiryRules, instants, fc.constantFrom(...ZONES), (rule, earned, zone) => {
        const expiry = resolveExpiry(rule, earned, zone);
        if (rule === "never") expect(expiry).toBeNull();
        else expect(expiry?.getTime()).toBeGreaterThan(earned.getTime());
      }),
      { numRuns: 500 },
    );
  });

  test("activation is never before the earning instant", () => {
    fc.assert(
      fc.property(dateRules, instants, fc.constantFrom(...ZONES), (rule, earned, zone) => {
        expect(resolveActivation(rule, earned, zone).getTime()).toBeGreaterThanOrEqual(
          earned.getTime(),
        );
      }),
    );
  });

  test("end of a unit is a local midnight, and the end of a day is within 25 hours", () => {
    fc.assert(
      fc.property(units, instants, fc.constantFrom(...ZONES), (unit, earned, zone) => {
        const expiry = resolveExpiry({ endOf: unit }, earned, zone);
        expect(local(expiry, zone).endsWith(" 00:00")).toBe(true);
        if (unit === "day")
          expect((expiry?.getTime() ?? 0) - earned.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
      }),
    );
  });

  test("whole days keep the local time of day when it exists on both days", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        instants,
        fc.constantFrom(...ZONES),
        (days, earned, zone) => {
          const hour = new TZDate(earned.getTime(), zone).getHours();
          // Stay clear of the hours around midnight and the usual 01:00–03:00 transition window.
          fc.pre(hour >= 4 && hour <= 22);
          const expiry = resolveExpiry({ days }, earned, zone);
          expect(local(expiry, zone).slice(11)).toBe(local(earned, zone).slice(11));
        },
      ),
    );
  });

  test("plus N units is monotone: endOf(unit, plus) < endOf(unit, plus + 1)", () => {
    fc.assert(
      fc.property(
        units,
        fc.integer({ min: 0, max: 30 }),
        instants,
        fc.constantFrom(...ZONES),
        (unit, plus, t, zone) => {
          const a = resolveExpiry({ endOf: unit, plus }, t, zone);
          const b = resolveExpiry({ endOf: unit, plus: plus + 1 }, t, zone);
          expect(a?.getTime()).toBeLessThan(b?.getTime() ?? 0);
        },
      ),
    );
  });
});
