/**
 * Caps clip a reward: per allocation, per user per calendar period (given
 * what the user already earned from the event in the period), and the
 * event's total budget (given what it already handed out). Every cap that
 * lowers the reward is reported as a `CapClip`.
 */
import { invalidInput } from "../errors.js";
import { Dec, max, parseDecimal } from "../money/decimal.js";
import { canonicalDecimal } from "../money/ratio.js";
import type { CapClip, CapPeriod, Caps, RewardUsage } from "./types.js";

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
    const used = usedAt(usage?.perUser?.[cap.period], `usage.perUser.${cap.period}`);
    limits.push({
      cap: "perUser",
      period: cap.period,
      limit,
      used,
      remaining: max(limit.minus(used), new Dec(0)),
    });
  }
  if (caps.budget !== undefined) {
    const limit = parseDecimal(caps.budget, "caps.budget");
    const used = usedAt(usage?.budget, "usage.budget");
    limits.push({ cap: "budget", limit, used, remaining: max(limit.minus(used), new Dec(0)) });
  }
  return limits;
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
    clips.push({
      cap: limit.cap,
      ...(limit.period === undefined ? {} : { period: limit.period }),
      limit: canonicalDecimal(limit.limit),
      ...(limit.used === undefined ? {} : { used: canonicalDecimal(limit.used) }),
      before: canonicalDecimal(current),
      after: canonicalDecimal(limit.remaining),
    });
    current = limit.remaining;
  }
  return { value: current, clips };
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
  if (value === undefined) return new Dec(0);
  const used = parseDecimal(value, path);
  if (used.isNegative() && !used.isZero())
    throw invalidInput({ path, message: "must be at least 0" });
  return used;
}
