/**
 * Caps clip a reward: per allocation, per user per calendar period (given
 * what the user already earned from the event in the period), and the
 * event's total budget (given what it already handed out). Every cap that
 * lowers the reward is reported as a `CapClip`.
 */
import { invalidInput } from "../errors.js";
import { readInputField } from "../input.js";
import { type Dec, parseDecimal, ZERO } from "../money/decimal.js";
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
  /** `limit` as `canonicalDecimal` writes it, when already known. */
  readonly limitText?: string | undefined;
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
    const path = `usage.perUser.${cap.period}`;
    limits.push(perUserLimit(cap.period, limit, usedAt(perUserUsed(usage, cap.period), path)));
  }
  if (caps.budget !== undefined) {
    const limit = parseDecimal(caps.budget, "caps.budget");
    limits.push(budgetLimit(limit, usedAt(usage?.budget, "usage.budget")));
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
      : {
          cap: "perAllocation",
          limit: allocation,
          remaining: allocation,
          limitText: canonicalDecimal(allocation),
        };
  const list = caps.perUser ?? [];
  if (!Array.isArray(list)) throw new TypeError("caps.perUser is not an array");
  const perUser: { period: CapPeriod; limit: Dec; text: string; path: string }[] = [];
  for (let i = 0; i < list.length; i++) {
    const cap = list[i] as PerUserCap;
    const limit = parseDecimal(cap.coins, `caps.perUser[${i}].coins`);
    const { period } = cap;
    perUser.push({ period, limit, text: canonicalDecimal(limit), path: `usage.perUser.${period}` });
  }
  const budget = caps.budget === undefined ? undefined : parseDecimal(caps.budget, "caps.budget");
  const budgetText = budget === undefined ? undefined : canonicalDecimal(budget);
  return (usage) => {
    const limits: CapLimit[] = perAllocation === undefined ? [] : [perAllocation];
    for (const { period, limit, text, path } of perUser) {
      const used = usedAt(perUserUsed(usage, period), path);
      limits.push(perUserLimit(period, limit, used, text));
    }
    if (budget !== undefined) {
      const used = usedAt(usage?.budget, "usage.budget");
      limits.push(budgetLimit(budget, used, budgetText));
    }
    return limits;
  };
}

function perUserLimit(period: CapPeriod, limit: Dec, used: Dec, limitText?: string): CapLimit {
  return { cap: "perUser", period, limit, used, remaining: leftOf(limit, used), limitText };
}

function budgetLimit(limit: Dec, used: Dec, limitText?: string): CapLimit {
  return { cap: "budget", limit, used, remaining: leftOf(limit, used), limitText };
}

/** `max(limit − used, 0)`, read from the difference's sign. */
function leftOf(limit: Dec, used: Dec): Dec {
  const left = limit.minus(used);
  return left.isNegative() && !left.isZero() ? ZERO : left;
}

/**
 * Clip `value` by each limit in turn; report each clip that lowered it.
 * `text` is `value` as `canonicalDecimal` writes it, when already known.
 */
export function applyCaps(
  value: Dec,
  limits: readonly CapLimit[],
  text?: string,
): { value: Dec; clips: CapClip[] } {
  let current = value;
  let currentText = text;
  const clips: CapClip[] = [];
  for (const limit of limits) {
    if (!current.gt(limit.remaining)) continue;
    const clipped = clip(limit, currentText ?? canonicalDecimal(current));
    clips.push(clipped);
    current = limit.remaining;
    currentText = clipped.after;
  }
  return { value: current, clips };
}

/** The clip of `before` by `limit`, keys in the order cap, period, limit, used, before, after. */
function clip(limit: CapLimit, before: string): CapClip {
  const { cap, period } = limit;
  const text = limit.limitText ?? canonicalDecimal(limit.limit);
  const after = limit.remaining === limit.limit ? text : canonicalDecimal(limit.remaining);
  if (limit.used === undefined) {
    return period === undefined
      ? { cap, limit: text, before, after }
      : { cap, period, limit: text, before, after };
  }
  const used = canonicalDecimal(limit.used);
  return period === undefined
    ? { cap, limit: text, used, before, after }
    : { cap, period, limit: text, used, before, after };
}

/** The tightest limit (least remaining), or `undefined` without caps. */
export function tightest(limits: readonly CapLimit[]): CapLimit | undefined {
  let best: CapLimit | undefined;
  for (const limit of limits) {
    if (best === undefined || limit.remaining.lt(best.remaining)) best = limit;
  }
  return best;
}

/**
 * What the user already earned in `period`: read from `usage.perUser` when
 * a cap needs it, once, as `readInputField` reads (a getter or Proxy that
 * throws is `INVALID_INPUT` at its path).
 */
function perUserUsed(usage: RewardUsage | undefined, period: CapPeriod): unknown {
  return readInputField(usage?.perUser, period, "usage.perUser");
}

function usedAt(value: unknown, path: string): Dec {
  if (value === undefined) return ZERO;
  const used = parseDecimal(value, path);
  if (used.isNegative() && !used.isZero())
    throw invalidInput({ path, message: "must be at least 0" });
  return used;
}
