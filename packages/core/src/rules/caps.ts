/**
 * Caps clip a reward: per allocation, per user per calendar period (given
 * what the user already earned from the event in the period), and the
 * event's total budget (given what it already handed out). Every cap that
 * lowers the reward is reported as a `CapClip`.
 */
import { invalidInput } from "../errors.js";
import { type Dec, max, parseDecimal, ZERO } from "../money/decimal.js";
import { canonicalDecimal } from "../money/ratio.js";
import type { CapClip, CapPeriod, Caps, PerUserCap, RewardUsage } from "./types.js";

/** One cap with what is left of it. */
export interface CapLimit {
  readonly cap: CapClip["cap"];
  readonly period?: CapPeriod;
  readonly limit: Dec;
  readonly used?: Dec;
  /** `limit − used`, never below 0. */
  readonly remaining: Dec;
}

/** The event's caps with the usage applied, in order: per allocation, per user (as listed), budget. */
export function capLimits(caps: Caps | undefined, usage: RewardUsage | undefined): CapLimit[] {
  if (caps === undefined) return [];
  const limits: CapLimit[] = [];
  if (caps.perAllocation !== undefined) {
    const limit = parseDecimal(caps.perAllocation, "caps.perAllocation");
    limits.push({ cap: "perAllocation", limit, remaining: limit });
  }
  for (const [i, cap] of (caps.perUser ?? []).entries()) {
    const limit = parseDecimal(cap.coins, `caps.perUser[${i}].coins`);
    limits.push(perUserLimit(cap.period, limit, usage, `usage.perUser.${cap.period}`));
  }
  if (caps.budget !== undefined) {
    limits.push(budgetLimit(parseDecimal(caps.budget, "caps.budget"), usage));
  }
  return limits;
}

/**
 * `capLimits` with the caps read once, as a function of the usage. Throws
 * when a cap is malformed; the caller then uses `capLimits`, which reports it.
 */
export function prepareCaps(
  caps: Caps | undefined,
): (usage: RewardUsage | undefined) => CapLimit[] {
  if (caps === undefined) return () => [];
  const allocation =
    caps.perAllocation === undefined
      ? undefined
      : parseDecimal(caps.perAllocation, "caps.perAllocation");
  const perAllocation: CapLimit | undefined =
    allocation === undefined
      ? undefined
      : { cap: "perAllocation", limit: allocation, remaining: allocation };
  const list = caps.perUser ?? [];
  if (!Array.isArray(list)) throw new TypeError("caps.perUser is not an array");
  const perUser: { period: CapPeriod; limit: Dec; path: string }[] = [];
  for (let i = 0; i < list.length; i++) {
    const cap = list[i] as PerUserCap;
    const limit = parseDecimal(cap.coins, `caps.perUser[${i}].coins`);
    perUser.push({ period: cap.period, limit, path: `usage.perUser.${cap.period}` });
  }
  const budget = caps.budget === undefined ? undefined : parseDecimal(caps.budget, "caps.budget");
  return (usage) => {
    const limits: CapLimit[] = perAllocation === undefined ? [] : [perAllocation];
    for (const cap of perUser) limits.push(perUserLimit(cap.period, cap.limit, usage, cap.path));
    if (budget !== undefined) limits.push(budgetLimit(budget, usage));
    return limits;
  };
}

function perUserLimit(
  period: CapPeriod,
  limit: Dec,
  usage: RewardUsage | undefined,
  path: string,
): CapLimit {
  const used = usedAt(usage?.perUser?.[period], path);
  return { cap: "perUser", period, limit, used, remaining: max(limit.minus(used), ZERO) };
}

function budgetLimit(limit: Dec, usage: RewardUsage | undefined): CapLimit {
  const used = usedAt(usage?.budget, "usage.budget");
  return { cap: "budget", limit, used, remaining: max(limit.minus(used), ZERO) };
}

/** Clip `value` by each limit in turn; report each clip that lowered it. */
export function applyCaps(
  value: Dec,
  limits: readonly CapLimit[],
): { value: Dec; clips: CapClip[] } {
  let current = value;
  const clips: CapClip[] = [];
  for (const limit of limits) {
    if (!current.gt(limit.remaining)) continue;
    clips.push(clip(limit, current));
    current = limit.remaining;
  }
  return { value: current, clips };
}

/** The clip of `before` by `limit`, keys in the order cap, period, limit, used, before, after. */
function clip(limit: CapLimit, before: Dec): CapClip {
  const { cap, period, used } = limit;
  const text = canonicalDecimal(limit.limit);
  const from = canonicalDecimal(before);
  const after = canonicalDecimal(limit.remaining);
  if (used === undefined) {
    return period === undefined
      ? { cap, limit: text, before: from, after }
      : { cap, period, limit: text, before: from, after };
  }
  const usedText = canonicalDecimal(used);
  return period === undefined
    ? { cap, limit: text, used: usedText, before: from, after }
    : { cap, period, limit: text, used: usedText, before: from, after };
}

/** The tightest limit (least remaining), or `undefined` without caps. */
export function tightest(limits: readonly CapLimit[]): CapLimit | undefined {
  let best: CapLimit | undefined;
  for (const limit of limits) {
    if (best === undefined || limit.remaining.lt(best.remaining)) best = limit;
  }
  return best;
}

function usedAt(value: string | undefined, path: string): Dec {
  if (value === undefined) return ZERO;
  const used = parseDecimal(value, path);
  if (used.isNegative() && !used.isZero())
    throw invalidInput({ path, message: "must be at least 0" });
  return used;
}
