/**
 * The earn curve: coins against purchase amount for one event at one
 * instant, every point computed by `previewReward` (so the chart can never
 * disagree with the preview), with the tier breakpoints, the minimum amount
 * and the caps marked. Pure: the model is plain data and the chart is an SVG
 * string; the page only puts it in the DOM.
 */
import {
  type CoinEvent,
  compareDecimalStrings,
  isDecimalString,
  type Program,
  previewReward,
  subtractDecimalStrings,
} from "@coinage/core";
import { escapeXml, formatNumber } from "./svg.js";

export interface CurvePoint {
  /** The purchase amount, as the decimal string passed to `previewReward`. */
  readonly amount: string;
  /** `previewReward(...).coins`. */
  readonly coins: string;
  readonly x: number;
  readonly y: number;
  /** A cap clipped the coins at this amount. */
  readonly capped: boolean;
  readonly ineligible?: string;
}

/** A vertical line: where a tier starts, or the minimum amount. */
export interface Breakpoint {
  readonly kind: "tier" | "minAmount";
  readonly amount: string;
  readonly label: string;
}

/** A horizontal line: a cap's limit in coins. */
export interface CapLine {
  readonly cap: "perAllocation" | "perUser" | "budget";
  readonly coins: string;
  readonly label: string;
}

export interface Curve {
  readonly points: readonly CurvePoint[];
  readonly breakpoints: readonly Breakpoint[];
  readonly caps: readonly CapLine[];
  /** The largest amount sampled: the x axis runs from 0 to it. */
  readonly maxAmount: number;
  /** Why every point earns nothing (paused, outside the window…), when none earns for the event's own reasons. */
  readonly ineligible?: string;
}

/** The nice step (1, 2, 2.5 or 5 × 10ⁿ) at or above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * power;
    if (step >= raw * (1 - 1e-12)) return step;
  }
  return 10 * power;
}

/** Tick values from 0 to the first multiple of a nice step at or above `max`, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const step = niceStep(top / count);
  const n = Math.ceil(top / step - 1e-9);
  const decimals = decimalsOf(step);
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(decimals)));
}

/** The linear map of `[d0, d1]` onto `[r0, r1]`. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function decimalsOf(step: number): number {
  let d = 0;
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return d;
}

/** `x` as a canonical decimal string with at most `decimals` places. */
function decimalText(x: number, decimals: number): string {
  const fixed = x.toFixed(decimals);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** The amount just below `amount` (by 0.01, or its last decimal place), in the tier before it. */
export function justBelow(amount: string): string {
  const places = amount.includes(".") ? (amount.split(".")[1] ?? "").length : 0;
  const epsilon = places <= 2 ? "0.01" : `0.${"0".repeat(places - 1)}1`;
  return subtractDecimalStrings(amount, epsilon);
}

/**
 * Amounts to sample from 0 to `max` or a little past it: evenly spaced by
 * the nice step at or above `max / count` (so `count / 2.5` to `count`
 * intervals), plus each breakpoint and the amount
 * just below it (so a flat tier's jump is drawn where it is), plus
 * `extra` amounts in range. Sorted, without repeats.
 */
export function sampleAmounts(
  max: number,
  breakpoints: readonly string[] = [],
  extra: readonly string[] = [],
  count = 60,
): string[] {
  const step = niceStep((max > 0 ? max : 1) / count);
  const n = Math.ceil((max > 0 ? max : 1) / step - 1e-9);
  const decimals = decimalsOf(step);
  const top = decimalText(n * step, decimals);
  const amounts = new Map<string, string>();
  const add = (amount: string) => {
    if (!isDecimalString(amount) || amount.startsWith("-")) return;
    if (compareDecimalStrings(amount, top) > 0) return;
    // Keyed by value, so "5000" and "5000.0" are one point (the first written).
    const key = subtractDecimalStrings(amount, "0");
    if (!amounts.has(key)) amounts.set(key, amount);
  };
  for (let i = 0; i <= n; i++) add(decimalText(i * step, decimals));
  for (const b of breakpoints) {
    if (compareDecimalStrings(b, "0") <= 0) continue;
    add(b);
    add(justBelow(b));
  }
  for (const e of extra) add(e);
  return [...amounts.values()].sort(compareDecimalStrings);
}

const CAP_NAMES = {
  perAllocation: "per-allocation cap",
  perUser: "per-user cap",
  budget: "event budget",
} as const;

/** The tier starts (after the first, at 0) and the minimum amount, labelled. */
export function breakpointsOf(event: CoinEvent): Breakpoint[] {
  const marks: Breakpoint[] = [];
  if (event.reward.kind === "tiered") {
    for (const tier of event.reward.tiers.slice(1)) {
      const pays = "percent" in tier ? `${tier.percent}%` : `${tier.coins} coins`;
      marks.push({ kind: "tier", amount: tier.from, label: `${pays} from ${tier.from}` });
    }
  }
  if (event.minAmount !== undefined && compareDecimalStrings(event.minAmount, "0") > 0) {
    marks.push({ kind: "minAmount", amount: event.minAmount, label: `min ${event.minAmount}` });
  }
  return marks;
}

/** Every cap of the event as a line at its limit (with no usage: each allocation may reach it). */
export function capLinesOf(event: CoinEvent): CapLine[] {
  const caps = event.caps;
  if (caps === undefined) return [];
  const lines: CapLine[] = [];
  if (caps.perAllocation !== undefined) {
    lines.push({
      cap: "perAllocation",
      coins: caps.perAllocation,
      label: `${CAP_NAMES.perAllocation} ${caps.perAllocation}`,
    });
  }
  for (const cap of caps.perUser ?? []) {
    lines.push({
      cap: "perUser",
      coins: cap.coins,
      label: `${CAP_NAMES.perUser} ${cap.coins}/${cap.period}`,
    });
  }
  if (caps.budget !== undefined) {
    lines.push({ cap: "budget", coins: caps.budget, label: `${CAP_NAMES.budget} ${caps.budget}` });
  }
  return lines;
}

/**
 * An x range that shows the event off: past the last breakpoint (× 1.5),
 * and past the first amount where a cap clips (× 1.25, found on
 * `previewReward` by doubling, scanning, then bisecting), or 1000.
 */
export function autoMaxAmount(event: CoinEvent, program: Program, at: Date): number {
  const marks = breakpointsOf(event).map((b) => Number(b.amount));
  let max = Math.max(1000, ...marks.map((m) => m * 1.5));
  if (event.caps === undefined || event.reward.kind === "fixed") return max;
  const capped = (amount: number) =>
    previewReward(event, { amount: decimalText(amount, 2) }, program, at).breakdown.caps.length > 0;
  let high = max;
  let found = false;
  for (let i = 0; i < 40 && high < 1e14; i++, high *= 2) {
    if (capped(high)) {
      found = true;
      break;
    }
  }
  if (!found) return max;
  // Coins need not grow with the amount (a flat tier may pay less than the
  // one before it), so scan for the first capped amount before bisecting.
  let low = 0;
  for (let i = 1; i <= 100; i++) {
    const amount = (high * i) / 100;
    if (capped(amount)) {
      high = amount;
      break;
    }
    low = amount;
  }
  for (let i = 0; i < 40 && high - low > 0.01; i++) {
    const mid = (low + high) / 2;
    if (capped(mid)) high = mid;
    else low = mid;
  }
  max = Math.max(max, high * 1.25);
  return max;
}

export interface CurveOptions {
  /** The x range's end; `autoMaxAmount` when absent. */
  readonly maxAmount?: number;
  /** Amounts to sample besides the evenly spaced ones (the amount being previewed). */
  readonly include?: readonly string[];
  /** At most how many evenly spaced intervals (60); a round step gives 40% to 100% of it. */
  readonly samples?: number;
}

/** The earn curve of `event` at `at`, each point from `previewReward` with no usage. */
export function earnCurve(
  event: CoinEvent,
  program: Program,
  at: Date,
  options: CurveOptions = {},
): Curve {
  const breakpoints = breakpointsOf(event);
  const max =
    options.maxAmount !== undefined && options.maxAmount > 0
      ? options.maxAmount
      : autoMaxAmount(event, program, at);
  const amounts = sampleAmounts(
    max,
    breakpoints.map((b) => b.amount),
    options.include ?? [],
    options.samples,
  );
  const points = amounts.map((amount): CurvePoint => {
    const preview = previewReward(event, { amount }, program, at);
    const point = {
      amount,
      coins: preview.coins,
      x: Number(amount),
      y: Number(preview.coins),
      capped:
        preview.breakdown.caps.length > 0 || preview.breakdown.rounding.limitedBy !== undefined,
    };
    return preview.ineligible === undefined ? point : { ...point, ineligible: preview.ineligible };
  });
  const reasons = new Set(points.map((p) => p.ineligible));
  const only = reasons.size === 1 ? [...reasons][0] : undefined;
  const curve = {
    points,
    breakpoints,
    caps: capLinesOf(event),
    maxAmount: Math.max(...points.map((p) => p.x)),
  };
  return only === undefined || only === "below_min_amount" ? curve : { ...curve, ineligible: only };
}

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

/** Caps above this multiple of the curve's top are listed, not drawn (they would flatten the curve). */
const CAP_SHOWN_UP_TO = 1.5;

/** The caps drawn on the chart and those left off it (far above every point). */
export function splitCaps(curve: Curve): { shown: CapLine[]; above: CapLine[] } {
  const top = Math.max(0, ...curve.points.map((p) => p.y));
  const shown: CapLine[] = [];
  const above: CapLine[] = [];
  for (const cap of curve.caps) {
    if (top > 0 && Number(cap.coins) <= top * CAP_SHOWN_UP_TO) shown.push(cap);
    else above.push(cap);
  }
  return { shown, above };
}

/**
 * The chart as SVG markup: axes with ticks, the curve as a line through
 * every sampled point, each point a `circle.curve-point` carrying
 * `data-amount` and `data-coins` (what the browser test reads), tier
 * breakpoints and the minimum as dashed vertical lines, caps as horizontal
 * lines, each labelled, and the amount being previewed ringed.
 */
export function curveSvg(
  curve: Curve,
  options: { size?: ChartSize; current?: string } = {},
): string {
  const { width, height } = options.size ?? { width: 720, height: 320 };
  const m = { top: 34, right: 16, bottom: 42, left: 64 };
  const { shown } = splitCaps(curve);
  const dataTop = Math.max(
    0,
    ...curve.points.map((p) => p.y),
    ...shown.map((c) => Number(c.coins)),
  );
  const yTicks = niceTicks(dataTop > 0 ? dataTop * 1.08 : 1, 5);
  const xTicks = niceTicks(curve.maxAmount, 6).filter((t) => t <= curve.maxAmount * (1 + 1e-9));
  const yMax = yTicks.at(-1) ?? 1;
  const x = linearScale(0, curve.maxAmount, m.left, width - m.right);
  const y = linearScale(0, yMax, height - m.bottom, m.top);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart earn-curve" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="curve-svg-title">`,
    `<title id="curve-svg-title">Coins earned against purchase amount, from 0 to ${escapeXml(formatNumber(curve.maxAmount))}</title>`,
  );
  // Grid and axes
  out.push('<g class="axis y-axis">');
  for (const t of yTicks) {
    out.push(
      `<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${f(y(t))}" y2="${f(y(t))}"/>`,
      `<text x="${m.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${escapeXml(formatNumber(t))}</text>`,
    );
  }
  out.push(
    `<text class="axis-title" transform="translate(14 ${f((m.top + height - m.bottom) / 2)}) rotate(-90)" text-anchor="middle">coins</text>`,
    "</g>",
    '<g class="axis x-axis">',
    `<line class="baseline" x1="${m.left}" x2="${width - m.right}" y1="${f(y(0))}" y2="${f(y(0))}"/>`,
  );
  for (const t of xTicks) {
    out.push(
      `<line class="tick" x1="${f(x(t))}" x2="${f(x(t))}" y1="${f(y(0))}" y2="${f(y(0) + 5)}"/>`,
      `<text x="${f(x(t))}" y="${f(y(0) + 18)}" text-anchor="middle">${escapeXml(formatNumber(t))}</text>`,
    );
  }
  out.push(
    `<text class="axis-title" x="${f((m.left + width - m.right) / 2)}" y="${height - 6}" text-anchor="middle">purchase amount</text>`,
    "</g>",
  );
  // Breakpoints, labels staggered on two rows above the plot
  curve.breakpoints.forEach((b, i) => {
    const bx = x(Number(b.amount));
    if (bx > width - m.right + 0.5) return;
    const right = bx > width - m.right - 120;
    const ly = m.top - 20 + (i % 2) * 12;
    out.push(
      `<g class="breakpoint ${b.kind}" data-amount="${escapeXml(b.amount)}">`,
      `<line x1="${f(bx)}" x2="${f(bx)}" y1="${f(ly + 3)}" y2="${f(y(0))}"/>`,
      `<text x="${f(right ? bx - 3 : bx + 3)}" y="${f(ly)}" text-anchor="${right ? "end" : "start"}">${escapeXml(b.label)}</text>`,
      "</g>",
    );
  });
  // Caps
  for (const cap of shown) {
    const cy = y(Number(cap.coins));
    out.push(
      `<g class="cap-line ${cap.cap}" data-cap="${cap.cap}" data-coins="${escapeXml(cap.coins)}">`,
      `<line x1="${m.left}" x2="${width - m.right}" y1="${f(cy)}" y2="${f(cy)}"/>`,
      `<text x="${m.left + 6}" y="${f(cy - 5)}">${escapeXml(cap.label)}</text>`,
      "</g>",
    );
  }
  // The curve and its points
  const d = curve.points.map((p, i) => `${i === 0 ? "M" : "L"}${f(x(p.x))} ${f(y(p.y))}`).join(" ");
  out.push(`<path class="curve-line" d="${d}"/>`, '<g class="curve-points">');
  for (const p of curve.points) {
    const classes = ["curve-point", p.capped ? "capped" : "", p.ineligible ? "ineligible" : ""]
      .filter((c) => c !== "")
      .join(" ");
    const why = p.ineligible === undefined ? "" : ` (${p.ineligible.replaceAll("_", " ")})`;
    out.push(
      `<circle class="${classes}" cx="${f(x(p.x))}" cy="${f(y(p.y))}" r="2.5" data-amount="${escapeXml(p.amount)}" data-coins="${escapeXml(p.coins)}"${p.capped ? ' data-capped="true"' : ""}>`,
      `<title>${escapeXml(`${p.amount} → ${p.coins} coins${p.capped ? ", capped" : ""}${why}`)}</title></circle>`,
    );
  }
  out.push("</g>");
  const current = curve.points.find(
    (p) =>
      options.current !== undefined &&
      isDecimalString(options.current) &&
      compareDecimalStrings(p.amount, options.current) === 0,
  );
  if (current !== undefined) {
    out.push(
      `<g class="curve-current" data-amount="${escapeXml(current.amount)}" data-coins="${escapeXml(current.coins)}">`,
      `<circle cx="${f(x(current.x))}" cy="${f(y(current.y))}" r="6"/>`,
      `<text x="${f(x(current.x) + (x(current.x) > width - 140 ? -9 : 9))}" y="${f(y(current.y) + (y(current.y) < m.top + 20 ? 16 : -9))}" text-anchor="${x(current.x) > width - 140 ? "end" : "start"}">${escapeXml(`${current.amount} → ${current.coins}`)}</text>`,
      "</g>",
    );
  }
  out.push("</svg>");
  return out.join("");
}
