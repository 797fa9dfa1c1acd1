import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { periodLaws } from "../../test/date-laws.js";
import type { CapPeriod } from "../rules/types.js";
import { periodKey, usageKey } from "./periods.js";

const at = (iso: string) => new Date(iso);

describe("periodKey", () => {
  test("each period kind", () => {
    const t = at("2026-11-27T10:00:00Z");
    expect(periodKey("day", t, "UTC")).toBe("2026-11-27");
    expect(periodKey("week", t, "UTC")).toBe("2026-W48");
    expect(periodKey("month", t, "UTC")).toBe("2026-11");
    expect(periodKey("year", t, "UTC")).toBe("2026");
    expect(periodKey("lifetime", t, "UTC")).toBe("lifetime");
  });

  test("the day is the program's local day", () => {
    const t = at("2026-11-27T20:00:00Z"); // 28 Nov 01:30 in Kolkata, 27 Nov 15:00 in New York
    expect(periodKey("day", t, "Asia/Kolkata")).toBe("2026-11-28");
    expect(periodKey("day", t, "America/New_York")).toBe("2026-11-27");
    expect(periodKey("year", at("2026-12-31T20:00:00Z"), "Asia/Kolkata")).toBe("2027");
  });

  test("ISO weeks use the week-numbering year", () => {
    expect(periodKey("week", at("2027-01-01T12:00:00Z"), "UTC")).toBe("2026-W53");
    expect(periodKey("week", at("2024-12-30T12:00:00Z"), "UTC")).toBe("2025-W01");
  });

  test("the week turns at Monday 00:00 on the zone's clock", () => {
    // Monday 2026-10-05 00:00 in Lord Howe (+11, the day after its clocks went forward) is 13:00 UTC on Sunday.
    expect(periodKey("week", at("2026-10-04T12:59:59.999Z"), "Australia/Lord_Howe")).toBe(
      "2026-W40",
    );
    expect(periodKey("week", at("2026-10-04T13:00:00Z"), "Australia/Lord_Howe")).toBe("2026-W41");
    expect(periodKey("day", at("2026-10-04T13:00:00Z"), "Australia/Lord_Howe")).toBe("2026-10-05");
    // New York's 1 November 00:00 is EDT, two hours before its clocks go back.
    expect(periodKey("month", at("2026-11-01T03:59:59.999Z"), "America/New_York")).toBe("2026-10");
    expect(periodKey("month", at("2026-11-01T04:00:00Z"), "America/New_York")).toBe("2026-11");
  });

  test("ISO week numbers across year ends", () => {
    const weeks: [string, string][] = [
      ["2020-12-31T12:00:00Z", "2020-W53"],
      ["2021-01-03T12:00:00Z", "2020-W53"],
      ["2021-01-04T12:00:00Z", "2021-W01"],
      ["2025-12-29T12:00:00Z", "2026-W01"],
      ["2026-12-31T12:00:00Z", "2026-W53"],
      ["2028-01-02T12:00:00Z", "2027-W52"],
      ["2028-01-03T12:00:00Z", "2028-W01"],
    ];
    for (const [instant, week] of weeks) expect(periodKey("week", at(instant), "UTC")).toBe(week);
  });

  test("an unknown zone is INVALID_INPUT", () => {
    expect(() => periodKey("day", at("2026-11-27T10:00:00Z"), "Nowhere/Town")).toThrowError(
      /timeZone/,
    );
  });
});

describe("usageKey", () => {
  test("is a JSON array of event id, period kind and period", () => {
    expect(usageKey("HOLIDAY_SALE", "month", at("2026-11-27T10:00:00Z"), "UTC")).toBe(
      '["HOLIDAY_SALE","month","2026-11"]',
    );
  });

  test("ids with separators cannot collide", () => {
    const t = at("2026-11-27T10:00:00Z");
    expect(usageKey('a","day', "day", t, "UTC")).not.toBe(usageKey("a", "day", t, "UTC"));
    expect(usageKey("a:day", "day", t, "UTC")).not.toBe(usageKey("a", "day", t, "UTC"));
  });
});

const instants = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) })
  .map((ms) => new Date(ms));
const periods = fc.constantFrom<CapPeriod>("day", "week", "month", "year");

describe("properties", () => {
  for (const law of periodLaws) {
    test(law.name, () => {
      fc.assert(law.property(), { numRuns: law.numRuns });
    });
  }

  test("usageKey is injective in the event id", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), periods, instants, (a, b, period, t) => {
        fc.pre(a !== b);
        expect(usageKey(a, period, t, "UTC")).not.toBe(usageKey(b, period, t, "UTC"));
      }),
    );
  });
});
