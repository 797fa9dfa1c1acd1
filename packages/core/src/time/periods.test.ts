import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { CapPeriod } from "../rules/types.js";
import { resolveExpiry } from "./dates.js";
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

const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
] as const;
const instants = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) })
  .map((ms) => new Date(ms));
const periods = fc.constantFrom<CapPeriod>("day", "week", "month", "year");
const unitOf = { day: "day", week: "week", month: "month", year: "year" } as const;

describe("properties", () => {
  test("a period's key changes exactly at the end of the period", () => {
    fc.assert(
      fc.property(periods, instants, fc.constantFrom(...ZONES), (period, t, zone) => {
        if (period === "lifetime") return;
        const next = resolveExpiry({ endOf: unitOf[period] }, t, zone);
        if (next === null) throw new Error("endOf never resolves to null");
        expect(periodKey(period, new Date(next.getTime() - 1), zone)).toBe(
          periodKey(period, t, zone),
        );
        expect(periodKey(period, next, zone)).not.toBe(periodKey(period, t, zone));
      }),
    );
  });

  test("keys sort in time order within a period kind", () => {
    fc.assert(
      fc.property(periods, instants, instants, fc.constantFrom(...ZONES), (period, a, b, zone) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(periodKey(period, x, zone) <= periodKey(period, y, zone)).toBe(true);
      }),
    );
  });

  test("usageKey is injective in the event id", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), periods, instants, (a, b, period, t) => {
        fc.pre(a !== b);
        expect(usageKey(a, period, t, "UTC")).not.toBe(usageKey(b, period, t, "UTC"));
      }),
    );
  });
});
