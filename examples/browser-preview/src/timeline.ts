/**
 * The lot timeline: each lot on a time axis from when it was earned, through
 * when it becomes spendable (activation), to when it expires, with the
 * instant of the redemption marked and the lots `planRedemption` would use
 * highlighted with what it takes from each. Pure: rows are plain data and
 * the chart is an SVG string.
 */
import { compareSpendOrder, type Lot } from "@coinage/core";
import { lotState } from "./explain.js";
import { escapeXml } from "./svg.js";

export interface TimelineRow {
  readonly lot: Lot;
  readonly state: ReturnType<typeof lotState>;
  /** Position in the spend order (1 = spent first); absent when not spendable. */
  readonly order?: number;
  /** Coins the planned redemption takes from this lot; absent when it takes none. */
  readonly takes?: string;
}

/**
 * The lots as the page lists them: spendable ones in the order they are
 * spent (earliest expiry first, never-expiring last), then the others in
 * the same order, each with what the plan takes from it.
 */
export function timelineRows(
  lots: readonly Lot[],
  at: number,
  plan: { readonly lots: readonly { readonly lotId: number; readonly coins: string }[] },
): TimelineRow[] {
  const takes = new Map(plan.lots.map((movement) => [movement.lotId, movement.coins]));
  const ordered = [...lots].sort((a, b) => {
    const sa = lotState(a, at) === "spendable" ? 0 : 1;
    const sb = lotState(b, at) === "spendable" ? 0 : 1;
    return sa - sb || compareSpendOrder(a, b);
  });
  let position = 0;
  return ordered.map((lot) => {
    const state = lotState(lot, at);
    const taken = takes.get(lot.id);
    return {
      lot,
      state,
      ...(state === "spendable" ? { order: ++position } : {}),
      ...(taken === undefined ? {} : { takes: taken }),
    };
  });
}

const DAY = 86_400_000;

/** The time axis: every lot's instants and `at`, padded by 4% (at least a day) each side. */
export function timeDomain(lots: readonly Lot[], at: number): [number, number] {
  const instants = [at];
  for (const lot of lots) {
    instants.push(lot.earnedAt, lot.availableAt);
    if (lot.expiresAt !== null) instants.push(lot.expiresAt);
  }
  const from = Math.min(...instants);
  const to = Math.max(...instants);
  const pad = Math.max(DAY, (to - from) * 0.04);
  return [from - pad, to + pad];
}

/**
 * Month starts (UTC) inside `[from, to]`, every 1, 2, 3, 6 or 12 months so
 * that there are at most `max` of them.
 */
export function monthTicks(from: number, to: number, max = 10): number[] {
  const start = new Date(from);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  const all: number[] = [];
  for (;;) {
    if (month > 11) {
      year += 1;
      month = 0;
    }
    const t = Date.UTC(year, month, 1);
    if (t > to || all.length > 2400) break;
    if (t >= from) all.push(t);
    month += 1;
  }
  for (const every of [1, 2, 3, 6, 12, 24, 60, 120]) {
    const picked = all.filter((t) => new Date(t).getUTCMonth() % Math.min(every, 12) === 0);
    const thinned =
      every <= 12
        ? picked
        : picked.filter((t) => new Date(t).getUTCFullYear() % (every / 12) === 0);
    if (thinned.length <= max) return thinned;
  }
  return [];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Mar 2026` for a month tick. */
export function monthLabel(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `2026-03-10 12:00` (UTC). */
export function instantLabel(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace("T", " ");
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/**
 * The timeline as SVG markup: one row per lot (`g.lot` with `data-lot-id`,
 * `data-state`, and `data-planned`/`data-takes`/`data-order` for the lots
 * the plan uses), a dashed pending stretch from earning to activation, a
 * bar from activation to expiry (to the edge, with an arrow, when it never
 * expires), a vertical line at the redemption instant, and in a column on
 * the right what the plan takes from each planned lot, in order.
 */
export function timelineSvg(rows: readonly TimelineRow[], at: number, width = 720): string {
  // The right margin holds the "takes" column: what the plan takes from each lot, in order.
  const m = { top: 30, right: 118, bottom: 30, left: 128 };
  const rowHeight = 30;
  const height = m.top + Math.max(1, rows.length) * rowHeight + m.bottom;
  const [from, to] = timeDomain(
    rows.map((r) => r.lot),
    at,
  );
  const x = (t: number) => m.left + ((t - from) / (to - from)) * (width - m.left - m.right);
  const f = (v: number) => v.toFixed(1);
  const bottom = height - m.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart lot-timeline" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="timeline-svg-title">`,
    `<title id="timeline-svg-title">The lots on a time axis, with the redemption at ${escapeXml(instantLabel(at))} UTC</title>`,
    '<g class="axis x-axis">',
  ];
  for (const t of monthTicks(from, to, Math.max(3, Math.floor((width - m.left) / 70)))) {
    out.push(
      `<line class="grid" x1="${f(x(t))}" x2="${f(x(t))}" y1="${m.top - 6}" y2="${bottom}"/>`,
      `<text x="${f(x(t))}" y="${bottom + 16}" text-anchor="middle">${monthLabel(t)}</text>`,
    );
  }
  out.push("</g>");
  if (rows.length === 0) {
    out.push(`<text class="empty" x="${m.left}" y="${m.top + 18}">No lots.</text>`);
  }
  rows.forEach((row, i) => {
    const { lot } = row;
    const cy = m.top + i * rowHeight + rowHeight / 2;
    const planned = row.takes !== undefined;
    const attributes = [
      `class="lot ${row.state}${planned ? " planned" : ""}"`,
      `data-lot-id="${lot.id}"`,
      `data-state="${row.state}"`,
      planned ? `data-planned="true" data-takes="${escapeXml(row.takes ?? "")}"` : "",
      row.order === undefined ? "" : `data-order="${row.order}"`,
    ].filter((a) => a !== "");
    out.push(`<g ${attributes.join(" ")}>`);
    out.push(
      `<text class="lot-label" x="8" y="${f(cy + 4)}">${escapeXml(`#${lot.id} · ${lot.remaining} of ${lot.coins}`)}</text>`,
    );
    const earned = x(lot.earnedAt);
    const available = x(lot.availableAt);
    const end = lot.expiresAt === null ? width - m.right : x(lot.expiresAt);
    out.push(
      `<circle class="earned" cx="${f(earned)}" cy="${f(cy)}" r="3"><title>earned ${instantLabel(lot.earnedAt)}</title></circle>`,
    );
    if (lot.availableAt > lot.earnedAt) {
      out.push(
        `<line class="pending-stretch" x1="${f(earned)}" x2="${f(available)}" y1="${f(cy)}" y2="${f(cy)}"/>`,
      );
    }
    const spendable = `spendable ${instantLabel(lot.availableAt)} → ${lot.expiresAt === null ? "never expires" : `expires ${instantLabel(lot.expiresAt)}`}`;
    out.push(
      `<rect class="bar" x="${f(available)}" y="${f(cy - 7)}" width="${f(Math.max(1, end - available))}" height="14" rx="3"><title>${escapeXml(`#${lot.id}: ${spendable}`)}</title></rect>`,
      `<line class="activation" x1="${f(available)}" x2="${f(available)}" y1="${f(cy - 11)}" y2="${f(cy + 11)}"><title>spendable from ${instantLabel(lot.availableAt)}</title></line>`,
    );
    if (lot.expiresAt === null) {
      out.push(
        `<path class="never" d="M${f(end - 8)} ${f(cy - 7)} L${f(end)} ${f(cy)} L${f(end - 8)} ${f(cy + 7)}"><title>never expires</title></path>`,
      );
    } else {
      out.push(
        `<line class="expiry" x1="${f(end)}" x2="${f(end)}" y1="${f(cy - 11)}" y2="${f(cy + 11)}"><title>expires ${instantLabel(lot.expiresAt)}</title></line>`,
      );
    }
    if (planned && row.takes !== undefined) {
      const label = `${row.order === undefined ? "" : `${ordinal(row.order)}: `}${row.takes} coins`;
      out.push(
        `<text class="takes" x="${width - m.right + 14}" y="${f(cy + 4)}">${escapeXml(label)}</text>`,
      );
    }
    out.push("</g>");
  });
  if (rows.some((row) => row.takes !== undefined)) {
    out.push(
      `<text class="takes-title" x="${width - m.right + 14}" y="${m.top - 16}">takes</text>`,
    );
  }
  out.push(
    `<g class="now" data-at="${new Date(at).toISOString()}">`,
    `<line x1="${f(x(at))}" x2="${f(x(at))}" y1="${m.top - 12}" y2="${bottom}"/>`,
    `<text x="${f(x(at))}" y="${m.top - 16}" text-anchor="middle">${escapeXml(`redeem at ${instantLabel(at)}`)}</text>`,
    "</g>",
    "</svg>",
  );
  return out.join("");
}
