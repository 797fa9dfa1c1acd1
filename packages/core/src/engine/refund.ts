/**
 * Partial refunds by amount: the terms an allocation was booked under, kept
 * with its request record, and the coins a refund of part of its amount
 * takes back.
 *
 * Refunding `r` of a purchase of amount `a`, of which `R` was refunded
 * before, reverses `coins(a − R) − coins(a − R − r)`, each `coins(x)` being
 * `previewReward` of `x` with the event and the program as they were when
 * the allocation was booked, at its instant and with the cap usage it saw.
 * The differences telescope: all refunds together take back
 * `coins(a) − coins(a − refunded)`, never more than the allocation earned,
 * and a refund that takes the purchase below a tier takes the tier's extra.
 *
 * Where the terms live: inside the record's stored `result`, under `terms`,
 * which the engine removes from every result it hands out (`withoutTerms`).
 * So every store keeps them as the opaque JSON it already stores, and a
 * refund never depends on how the event was edited since: the record holds
 * the event as it was, a few hundred bytes, only for allocations that
 * carried an amount.
 */
import { Dec } from "../money/decimal.js";
import type { Program } from "../program.js";
import { previewReward } from "../rules/reward.js";
import type { CoinEvent, RewardUsage } from "../rules/types.js";

/** What an allocation with an amount was booked under. */
export interface AllocationTerms {
  /** The purchase amount booked. */
  readonly amount: string;
  /** Of it, the amount refunded so far by `reverse({ amount })`. */
  readonly refunded: string;
  readonly event: CoinEvent;
  readonly program: Program;
  /** The cap usage the allocation saw. */
  readonly usage: RewardUsage;
  /** The member level it was booked at, when the program has levels and the member held one. */
  readonly level?: string;
}

/** The terms a stored allocation result carries, or `undefined` (booked without an amount, or before terms were kept). */
export function termsOf(result: unknown): AllocationTerms | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const terms = (result as { terms?: unknown }).terms;
  if (typeof terms !== "object" || terms === null) return undefined;
  return terms as AllocationTerms;
}

/** A stored result as callers see it: without the terms. */
export function withoutTerms<T>(result: T): T {
  if (typeof result !== "object" || result === null || !("terms" in result)) return result;
  const { terms: _, ...rest } = result as T & { terms: unknown };
  return rest as T;
}

/** A stored result with its terms' `refunded` raised by `amount`. */
export function withRefunded(result: unknown, terms: AllocationTerms, amount: Dec): unknown {
  return {
    ...(result as object),
    terms: { ...terms, refunded: new Dec(terms.refunded).plus(amount).toFixed() },
  };
}

/**
 * The coins a refund of `amount` takes back, with the terms as booked:
 * `coins(a − R) − coins(a − R − amount)`. The caller has checked
 * `R + amount <= a`.
 */
export function refundCoins(terms: AllocationTerms, amount: Dec, at: number): Dec {
  const left = new Dec(terms.amount).minus(terms.refunded);
  return coinsFor(terms, left, at).minus(coinsFor(terms, left.minus(amount), at));
}

function coinsFor(terms: AllocationTerms, amount: Dec, at: number): Dec {
  const preview = previewReward(
    terms.event,
    { amount: amount.toFixed(), level: terms.level ?? null },
    terms.program,
    new Date(at),
    terms.usage,
  );
  return new Dec(preview.coins);
}
