import { type CoinEvent, parseEvent, parseProgram, previewReward } from "@coinage/core";
import { describe, expect, it } from "vitest";
import {
  autoMaxAmount,
  breakpointsOf,
  capLinesOf,
  curveSvg,
  earnCurve,
  justBelow,
  linearScale,
  niceStep,
  niceTicks,
  sampleAmounts,
  splitCaps,
} from "../src/curve.js";
import { sampleEvents, sampleProgram } from "../src/samples.js";

const program = parseProgram(sampleProgram);
function sample(id: string): { event: CoinEvent; at: Date; amount: string } {
  const found = sampleEvents.find((s) => s.event.id === id);
  if (found === undefined) throw new Error(id);
  return { event: parseEvent(found.event), at: new Date(`${found.at}Z`), amount: found.amount };
}

describe("scales and ticks", () => {
  it("picks nice steps", () => {
    expect(niceStep(260.4)).toBe(500);
    expect(niceStep(250)).toBe(250);
    expect(niceStep(16.7)).toBe(20);
    expect(niceStep(0.03)).toBe(0.05);
    expect(niceStep(0)).toBe(1);
  });

  it("ticks from 0 past the maximum", () => {
    expect(niceTicks(5400, 5)).toEqual([0, 2000, 4000, 6000]);
    expect(niceTicks(1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("maps a domain onto a range, flipped or not", () => {
    const y = linearScale(0, 100, 300, 20);
    expect(y(0)).toBe(300);
    expect(y(100)).toBe(20);
    expect(y(50)).toBe(160);
  });
});

describe("sampleAmounts", () => {
  it("samples evenly, plus each breakpoint and the amount just below it", () => {
    const amounts = sampleAmounts(15000, ["5000", "10000", "99.5"], ["12345.67"]);
    expect(amounts[0]).toBe("0");
    expect(amounts.at(-1)).toBe("15000");
    for (const a of ["250", "4999.99", "5000", "9999.99", "10000", "99.49", "99.5", "12345.67"]) {
      expect(amounts).toContain(a);
    }
    const numbers = amounts.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(amounts).size).toBe(amounts.length);
  });

  it("leaves out extras beyond the range and repeats written differently", () => {
    const amounts = sampleAmounts(1000, [], ["5000", "500.0", "-3", "abc"]);
    expect(amounts).not.toContain("5000");
    expect(amounts.filter((a) => Number(a) === 500)).toHaveLength(1);
    expect(amounts).toHaveLength(51);
  });

  it("steps just below a breakpoint by its last decimal place", () => {
    expect(justBelow("5000")).toBe("4999.99");
    expect(justBelow("99.125")).toBe("99.124");
  });
});

describe("earnCurve", () => {
  it("is previewReward at every point, with the tiers and the cap marked", () => {
    const { event, at } = sample("PURCHASE");
    const curve = earnCurve(event, program, at, { include: ["12000"] });
    for (const point of curve.points) {
      expect(point.coins).toBe(previewReward(event, { amount: point.amount }, program, at).coins);
    }
    const coins = new Map(curve.points.map((p) => [p.amount, p.coins]));
    // 5% of 4999.99 is 249.9995, at 0.25 per coin 999.998, rounded down.
    expect(coins.get("4999.99")).toBe("999");
    expect(coins.get("5000")).toBe("1500");
    expect(coins.get("10000")).toBe("4000");
    expect(coins.get("12000")).toBe("4000");
    expect(curve.points.find((p) => p.amount === "12000")?.capped).toBe(true);
    expect(curve.points.find((p) => p.amount === "10000")?.capped).toBe(false);
    expect(curve.breakpoints.map((b) => b.label)).toEqual(["7.5% from 5000", "10% from 10000"]);
    expect(curve.caps).toEqual([
      { cap: "perAllocation", coins: "4000", label: "per-allocation cap 4000" },
    ]);
    expect(curve.maxAmount).toBe(15000);
    expect(curve.ineligible).toBeUndefined();
  });

  it("runs past the amount where a cap starts to clip", () => {
    const { event, at } = sample("HOLIDAY_SALE");
    // 5% doubled at 0.25 per coin is 0.4 coins per unit: the 5000 cap clips from 12500.
    const max = autoMaxAmount(event, program, at);
    expect(max).toBeGreaterThan(15600);
    expect(max).toBeLessThan(15700);
    const curve = earnCurve(event, program, at);
    expect(curve.maxAmount).toBe(16000);
    expect(curve.points.find((p) => p.amount === "99.99")?.ineligible).toBe("below_min_amount");
    expect(curve.points.find((p) => p.amount === "100")?.coins).toBe("40");
    expect(curve.points.at(-1)?.coins).toBe("5000");
    const { shown, above } = splitCaps(curve);
    expect(shown.map((c) => c.cap)).toEqual(["perAllocation"]);
    expect(above.map((c) => c.label)).toEqual(["per-user cap 20000/month"]);
    expect(breakpointsOf(event)).toEqual([{ kind: "minAmount", amount: "100", label: "min 100" }]);
  });

  it("is flat for a fixed reward, and says why when nothing is earned", () => {
    const { event, at } = sample("REFERRAL");
    const curve = earnCurve(event, program, at, { maxAmount: 500 });
    expect(new Set(curve.points.map((p) => p.coins))).toEqual(new Set(["100"]));
    const paused = parseEvent({ ...sampleEvents[0]?.event, status: "paused" });
    const none = earnCurve(paused, program, new Date("2026-12-24T10:00:00Z"));
    expect(none.ineligible).toBe("paused");
    expect(capLinesOf(paused).map((c) => c.cap)).toEqual(["perAllocation", "perUser"]);
  });
});

describe("curveSvg", () => {
  it("draws every point with its amount and coins, the breakpoints, the cap and the current amount", () => {
    const { event, at } = sample("PURCHASE");
    const curve = earnCurve(event, program, at, { include: ["12000"] });
    const svg = curveSvg(curve, { current: "12000" });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<circle class="curve-point/g)).toHaveLength(curve.points.length);
    expect(svg).toContain('data-amount="4999.99" data-coins="999"');
    expect(svg).toContain('data-amount="12000" data-coins="4000" data-capped="true"');
    expect(svg).toContain('<g class="breakpoint tier" data-amount="5000">');
    expect(svg).toContain('data-cap="perAllocation" data-coins="4000"');
    expect(svg).toContain('<g class="curve-current" data-amount="12000" data-coins="4000">');
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it("escapes text", () => {
    const svg = curveSvg({
      points: [{ amount: "0", coins: "0", x: 0, y: 0, capped: false }],
      breakpoints: [{ kind: "tier", amount: "0", label: '<b>"x"</b> & y' }],
      caps: [],
      maxAmount: 1,
    });
    expect(svg).toContain("&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y");
  });
});
