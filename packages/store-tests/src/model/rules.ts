/**
 * The model's reward rules, written from the design alone: the base of the
 * rule (fixed coins, a percent of the amount, flat or progressive tiers),
 * times the combined multiplier of the promotions active at the instant,
 * divided by the coin value once, then clipped by each cap in turn (per
 * allocation, per user in the listed order, budget) and rounded once to the
 * coin scale with the program's rounding, never above the tightest cap.
 * All arithmetic is exact (`Ratio`).
 */
import { type CapPeriod, HOUR_MS, resolveRelative, type Zone } from "./calendar.js";
import { type EventSpec, isFixedAt } from "./catalog.js";
import type { Ratio, RoundingMode } from "./ratio.js";
import * as R from "./ratio.js";

export interface ModelProgram {
  readonly coinValue: string;
  readonly coinScale: 0 | 2;
  readonly rounding: RoundingMode;
  readonly timeZone: Zone;
  readonly clawback: "debt" | "cap";
  /** The run's first instant; event instants are hours from it. */
  readonly start: number;
}

export type IneligibleReason = "below_min_amount" | "expires_before_activation";

export interface ModelClip {
  readonly cap: "perAllocation" | "perUser" | "budget";
  readonly period?: CapPeriod;
  readonly limit: Ratio;
  readonly used?: Ratio;
  readonly before: Ratio;
  readonly after: Ratio;
}

export interface Reward {
  /** Coins earned, exact at the coin scale. */
  readonly coins: Ratio;
  /** Reasons the engine may give for earning nothing (more than one when several apply). */
  readonly ineligible: readonly IneligibleReason[];
  readonly multiplier: Ratio;
  readonly clips: readonly ModelClip[];
  readonly limitedBy?: ModelClip["cap"];
  readonly availableAt: number;
  readonly expiresAt: number | null;
}

/** What the user and the event already used of the caps. */
export interface Usage {
  readonly perUser: Readonly<Record<CapPeriod, Ratio>>;
  readonly budget: Ratio;
}

/** Why an event takes no allocation at `at`, or null. */
export function inactiveReason(spec: EventSpec, at: number, start: number): string | null {
  if (spec.status === "paused") return "paused";
  if (spec.window?.from !== undefined && at < start + spec.window.from * HOUR_MS)
    return "before_window";
  if (spec.window?.until !== undefined && at >= start + spec.window.until * HOUR_MS)
    return "after_window";
  return null;
}

export function expiresAt(spec: EventSpec, at: number, program: ModelProgram): number | null {
  const rule = spec.expiry;
  if (rule === "never") return null;
  const resolved = isFixedAt(rule)
    ? program.start + rule.at * HOUR_MS
    : resolveRelative(rule, at, program.timeZone);
  return Math.max(resolved, at + 1);
}

export function availableAt(spec: EventSpec, at: number, program: ModelProgram): number {
  const rule = spec.activation;
  if (rule === "immediately") return at;
  const resolved = isFixedAt(rule)
    ? program.start + rule.at * HOUR_MS
    : resolveRelative(rule, at, program.timeZone);
  return Math.max(resolved, at);
}

const HUNDRED = R.ratio(100n);

/** The base before promotions: currency (to divide by the coin value) and fixed coins. */
function base(spec: EventSpec, amount: Ratio): { currency: Ratio; coins: Ratio } {
  const reward = spec.reward;
  if (reward.kind === "fixed") return { currency: R.ZERO, coins: R.dec(reward.coins) };
  if (reward.kind === "percentage")
    return { currency: R.div(R.mul(amount, R.dec(reward.percent)), HUNDRED), coins: R.ZERO };
  const tiers = reward.tiers.map((tier) => ({
    from: R.dec(tier.from),
    percent: "percent" in tier ? R.dec(tier.percent) : undefined,
    coins: "coins" in tier ? R.dec(tier.coins) : undefined,
  }));
  if (reward.mode === "flat") {
    let index = 0;
    tiers.forEach((tier, i) => {
      if (R.cmp(tier.from, amount) <= 0) index = i;
    });
    const tier = tiers[index];
    if (tier === undefined) return { currency: R.ZERO, coins: R.ZERO };
    return {
      currency: tier.percent === undefined ? R.ZERO : R.div(R.mul(amount, tier.percent), HUNDRED),
      coins: tier.coins ?? R.ZERO,
    };
  }
  let currency = R.ZERO;
  tiers.forEach((tier, i) => {
    if (R.cmp(amount, tier.from) <= 0) return;
    const next = tiers[i + 1];
    const top = next === undefined ? amount : R.min(amount, next.from);
    currency = R.add(
      currency,
      R.div(R.mul(R.sub(top, tier.from), tier.percent ?? R.ZERO), HUNDRED),
    );
  });
  return { currency, coins: R.ZERO };
}

/** The combined multiplier of the promotions active at `at` (`from <= at < until`). */
function multiplier(spec: EventSpec, at: number, start: number): Ratio {
  const active = (spec.promotions ?? []).filter(
    (p) => start + p.from * HOUR_MS <= at && at < start + p.until * HOUR_MS,
  );
  if (active.length === 0) return R.ONE;
  const values = active.map((p) => R.dec(p.multiplier));
  return spec.stack === "multiply"
    ? values.reduce((acc, m) => R.mul(acc, m), R.ONE)
    : values.reduce((acc, m) => R.max(acc, m));
}

interface Limit {
  readonly cap: ModelClip["cap"];
  readonly period?: CapPeriod;
  readonly limit: Ratio;
  readonly used?: Ratio;
  readonly remaining: Ratio;
}

function limits(spec: EventSpec, usage: Usage): Limit[] {
  const caps = spec.caps;
  if (caps === undefined) return [];
  const out: Limit[] = [];
  if (caps.perAllocation !== undefined) {
    const limit = R.dec(caps.perAllocation);
    out.push({ cap: "perAllocation", limit, remaining: limit });
  }
  for (const cap of caps.perUser ?? []) {
    const limit = R.dec(cap.coins);
    const used = usage.perUser[cap.period];
    out.push({
      cap: "perUser",
      period: cap.period,
      limit,
      used,
      remaining: R.max(R.sub(limit, used), R.ZERO),
    });
  }
  if (caps.budget !== undefined) {
    const limit = R.dec(caps.budget);
    out.push({
      cap: "budget",
      limit,
      used: usage.budget,
      remaining: R.max(R.sub(limit, usage.budget), R.ZERO),
    });
  }
  return out;
}

/**
 * The reward of an allocation (or preview) of `spec` at `at` with this
 * usage. `amount` is the transaction amount (absent for a fixed reward
 * without a minimum amount). The event is active at `at`.
 */
export function reward(
  spec: EventSpec,
  amount: string | undefined,
  at: number,
  program: ModelProgram,
  usage: Usage,
): Reward {
  const available = availableAt(spec, at, program);
  const expires = expiresAt(spec, at, program);
  const ineligible: IneligibleReason[] = [];
  const value = amount === undefined ? R.ZERO : R.dec(amount);
  if (
    spec.minAmount !== undefined &&
    amount !== undefined &&
    R.cmp(value, R.dec(spec.minAmount)) < 0
  )
    ineligible.push("below_min_amount");
  if (expires !== null && expires <= available) ineligible.push("expires_before_activation");
  if (ineligible.length > 0) {
    return {
      coins: R.ZERO,
      ineligible,
      multiplier: R.ONE,
      clips: [],
      availableAt: available,
      expiresAt: expires,
    };
  }
  const b = base(spec, value);
  const m = multiplier(spec, at, program.start);
  let current = R.add(R.div(R.mul(b.currency, m), R.dec(program.coinValue)), R.mul(b.coins, m));
  const clips: ModelClip[] = [];
  const list = limits(spec, usage);
  for (const limit of list) {
    if (R.cmp(current, limit.remaining) <= 0) continue;
    clips.push({
      cap: limit.cap,
      ...(limit.period === undefined ? {} : { period: limit.period }),
      limit: limit.limit,
      ...(limit.used === undefined ? {} : { used: limit.used }),
      before: current,
      after: limit.remaining,
    });
    current = limit.remaining;
  }
  let coins = R.round(current, program.coinScale, program.rounding);
  let limitedBy: ModelClip["cap"] | undefined;
  let tightest: Limit | undefined;
  for (const limit of list)
    if (tightest === undefined || R.cmp(limit.remaining, tightest.remaining) < 0) tightest = limit;
  if (tightest !== undefined && R.cmp(coins, tightest.remaining) > 0) {
    coins = R.round(tightest.remaining, program.coinScale, "down");
    limitedBy = tightest.cap;
  }
  return {
    coins,
    ineligible,
    multiplier: m,
    clips,
    ...(limitedBy === undefined ? {} : { limitedBy }),
    availableAt: available,
    expiresAt: expires,
  };
}
