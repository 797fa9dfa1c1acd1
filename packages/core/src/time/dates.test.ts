import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expiryLaws, local } from "../../test/date-laws.js";
import { CoinageError } from "../errors.js";
import type { DateRule } from "../rules/types.js";
import { activationResolver, expiryResolver, resolveActivation, resolveExpiry } from "./dates.js";

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

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

describe("DST gaps and repeated hours", () => {
  test("a wall time the clocks skip moves forward by the gap", () => {
    // Sat 02:30 EST + 1 day = Sun 02:30, skipped in New York: 03:30 EDT.
    const expiry = resolveExpiry({ days: 1 }, at("2026-03-07T07:30:00Z"), "America/New_York");
    expect(iso(expiry)).toBe("2026-03-08T07:30:00.000Z");
    expect(local(expiry, "America/New_York")).toBe("2026-03-08 03:30");
  });

  test("a wall time the clocks show twice is its earlier occurrence", () => {
    // Sat 01:30 EDT + 1 day = Sun 01:30, shown twice in New York: the EDT one.
    const expiry = resolveExpiry({ days: 1 }, at("2026-10-31T05:30:00Z"), "America/New_York");
    expect(iso(expiry)).toBe("2026-11-01T05:30:00.000Z");
    // Lord Howe repeats 01:30–02:00 at +11 then +10:30: the +11 one.
    expect(iso(resolveExpiry({ days: 1 }, at("2026-04-03T14:45:00Z"), "Australia/Lord_Howe"))).toBe(
      "2026-04-04T14:45:00.000Z",
    );
  });

  test("the calendar part is read on the wall clock once, then the hours elapse", () => {
    // 8 Feb 02:30 EST + 1 month 1 day = 9 Mar 02:30 EDT: the skipped 8 March 02:30 on the way does not count.
    expect(
      iso(resolveExpiry({ months: 1, days: 1 }, at("2026-02-08T07:30:00Z"), "America/New_York")),
    ).toBe("2026-03-09T06:30:00.000Z");
    // 1 day then 2 elapsed hours over fall-back: Sun 00:30 EDT, then 01:30 EST.
    expect(
      iso(resolveExpiry({ days: 1, hours: 2 }, at("2026-10-31T04:30:00Z"), "America/New_York")),
    ).toBe("2026-11-01T06:30:00.000Z");
  });

  test("a day that starts in a gap starts when its clocks start", () => {
    // Santiago skips 6 September 2026 00:00–01:00: that day starts at 01:00 (-03).
    expect(
      iso(resolveExpiry({ endOf: "day" }, at("2026-09-06T02:00:00Z"), "America/Santiago")),
    ).toBe("2026-09-06T04:00:00.000Z");
    // ...and the next day starts at midnight (-03).
    expect(
      iso(resolveExpiry({ endOf: "day" }, at("2026-09-07T00:18:41Z"), "America/Santiago")),
    ).toBe("2026-09-07T03:00:00.000Z");
  });

  test("old local-mean-time offsets keep their seconds", () => {
    // Singapore was +06:55:25 in 1900: the day ended at 17:04:35 UTC.
    expect(iso(resolveExpiry({ endOf: "day" }, at("1900-01-01T00:00:00Z"), "Asia/Singapore"))).toBe(
      "1900-01-01T17:04:35.000Z",
    );
  });
});

describe("rules that cannot be read", () => {
  test("odd counts and unknown units are INVALID_INPUT at the field, when read ahead too", () => {
    const earned = at("2026-11-27T10:00:00Z");
    const cases: [DateRule, string][] = [
      [{ days: -1 }, "days"],
      [{ days: 1.5 }, "days"],
      [{ months: Number.NaN }, "months"],
      [{ hours: "2" as unknown as number }, "hours"],
      [{ endOf: "month", plus: -1 }, "plus"],
      [{ endOf: "fortnight" as "week" }, "endOf"],
      [{ at: "tomorrow" }, "at"],
    ];
    for (const [rule, path] of cases) {
      for (const zone of ["UTC", "Europe/London"]) {
        for (const read of [
          () => resolveExpiry(rule, earned, zone),
          () => resolveActivation(rule, earned, zone),
          () => expiryResolver(rule)(earned.getTime(), zone),
          () => activationResolver(rule)(earned.getTime(), zone),
        ]) {
          let error: unknown;
          try {
            read();
          } catch (e) {
            error = e;
          }
          expect(error, `${JSON.stringify(rule)} in ${zone}`).toBeInstanceOf(CoinageError);
          expect((error as CoinageError).details).toMatchObject({ issues: [{ path }] });
        }
      }
    }
  });
});

describe("properties", () => {
  for (const law of expiryLaws) {
    test(law.name, () => {
      fc.assert(law.property(), { numRuns: law.numRuns });
    });
  }
});
