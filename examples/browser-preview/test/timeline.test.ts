import { planRedemption } from "@coinage/core";
import { describe, expect, it } from "vitest";
import { readLots } from "../src/explain.js";
import { sampleLots } from "../src/samples.js";
import { monthLabel, monthTicks, timeDomain, timelineRows, timelineSvg } from "../src/timeline.js";

const read = readLots(sampleLots);
if (!read.ok) throw new Error("sample lots do not read");
const lots = read.lots;
const at = Date.parse("2026-03-10T12:00:00Z");

describe("timelineRows", () => {
  it("lists spendable lots in spend order with what the plan takes, then the others", () => {
    const rows = timelineRows(lots, at, planRedemption(lots, "300", at));
    expect(rows.map((r) => [r.lot.id, r.state, r.order, r.takes])).toEqual([
      [2, "spendable", 1, "60"],
      [1, "spendable", 2, "200"],
      [3, "spendable", 3, "40"],
      [5, "expired", undefined, undefined],
      [4, "pending", undefined, undefined],
    ]);
  });

  it("takes from fewer lots for a smaller redemption", () => {
    const rows = timelineRows(lots, at, planRedemption(lots, "100", at));
    expect(rows.filter((r) => r.takes !== undefined).map((r) => [r.lot.id, r.takes])).toEqual([
      [2, "60"],
      [1, "40"],
    ]);
  });
});

describe("time axis", () => {
  it("spans every lot instant and the redemption, padded", () => {
    const [from, to] = timeDomain(lots, at);
    expect(from).toBeLessThan(Date.parse("2025-10-01T10:00:00Z"));
    expect(to).toBeGreaterThan(Date.parse("2027-03-01T10:00:00Z"));
    const [a, b] = timeDomain([], at);
    expect(a).toBeLessThan(at);
    expect(b).toBeGreaterThan(at);
  });

  it("ticks on month starts, thinned to fit", () => {
    const from = Date.parse("2025-09-15T00:00:00Z");
    const to = Date.parse("2027-04-01T00:00:00Z");
    const monthly = monthTicks(from, to, 100);
    expect(monthly[0]).toBe(Date.parse("2025-10-01T00:00:00Z"));
    expect(monthly).toHaveLength(19);
    const quarterly = monthTicks(from, to, 8);
    expect(quarterly.map(monthLabel)).toEqual([
      "Oct 2025",
      "Jan 2026",
      "Apr 2026",
      "Jul 2026",
      "Oct 2026",
      "Jan 2027",
      "Apr 2027",
    ]);
  });
});

describe("timelineSvg", () => {
  it("draws each lot, highlights the planned ones and marks the redemption", () => {
    const svg = timelineSvg(timelineRows(lots, at, planRedemption(lots, "300", at)), at);
    expect(svg.match(/<g class="lot /g)).toHaveLength(5);
    expect(svg.match(/data-planned="true"/g)).toHaveLength(3);
    expect(svg).toContain(
      '<g class="lot spendable planned" data-lot-id="2" data-state="spendable" data-planned="true" data-takes="60" data-order="1">',
    );
    expect(svg).toContain('<g class="lot pending" data-lot-id="4" data-state="pending">');
    expect(svg).toContain("1st: 60 coins");
    expect(svg).toContain('class="pending-stretch"');
    expect(svg).toContain('class="never"');
    expect(svg).toContain('data-at="2026-03-10T12:00:00.000Z"');
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
