/**
 * Event budget counters (program slot): reserved by compare-and-set before
 * an account commits, given back when the commit does not happen or when a
 * committed reversal returns coins. Exact decimal arithmetic happens here,
 * never in Lua; the script compares strings.
 */
import {
  addDecimalStrings,
  budgetAfter,
  compareDecimalStrings,
  subtractDecimalStrings,
} from "@coinage/core";
import { type Context, contention } from "./context.js";
import { getValue, swapBudget } from "./scripts/program.js";

/** Bound on compare-and-set rounds on a budget counter. */
export const MAX_BUDGET_SWAPS = 256;

export interface Reservation {
  readonly key: string;
  readonly add: string;
}

/** A budget change that spends (a positive add). */
export function spendsBudget(add: string): boolean {
  return compareDecimalStrings(add, "0") > 0;
}

/** A budget change that gives coins back (a negative add: a reversal). */
export function givesBackBudget(add: string): boolean {
  return compareDecimalStrings(add, "0") < 0;
}

/** Whether adding `add` to a counter at `used` stays within `limit` (giving back always fits). */
export function fitsBudget(used: string, add: string, limit: string): boolean {
  return (
    compareDecimalStrings(add, "0") <= 0 ||
    compareDecimalStrings(addDecimalStrings(used, add), limit) <= 0
  );
}

/**
 * Adds `add` to a budget counter by compare-and-set, starting from `used`
 * (what the decisions saw). When the counter moved meanwhile, the decisions
 * still stand as long as `fits` holds for its new value; otherwise answers
 * `{ exhausted: current value }`: decide again.
 */
export async function reserve(
  ctx: Context,
  key: string,
  used: string,
  add: string,
  fits: (used: string) => boolean,
  deadline: number,
  operation: string,
): Promise<Reservation | { readonly exhausted: string }> {
  let current = used;
  for (let round = 1; round <= MAX_BUDGET_SWAPS && Date.now() < deadline; round += 1) {
    if (!fits(current)) return { exhausted: current };
    const reply = (await ctx.scripts.run(
      operation,
      swapBudget,
      [key],
      [current, addDecimalStrings(current, add)],
    )) as [number, string?];
    if (reply[0] === 1) return { key, add };
    current = reply[1] ?? "0";
  }
  throw contention("the event budget counter", operation);
}

/** Gives a reservation back. Best effort: a failure only under-spends the budget. */
export async function release(
  ctx: Context,
  reservation: Reservation | null,
  operation: string,
): Promise<void> {
  if (reservation === null) return;
  await giveBack(ctx, reservation.key, subtractDecimalStrings("0", reservation.add), operation);
}

/**
 * Adds a negative `add` to a budget counter by compare-and-set, never below
 * 0: a reservation released, or coins a committed reversal gives back. A
 * reversal gives back only after its commit, so no one can spend coins it
 * then fails to take back. `used` is the counter as last read (saves reading
 * it first). Best effort: a failure only under-spends the budget.
 */
export async function giveBack(
  ctx: Context,
  key: string,
  add: string,
  operation: string,
  used?: string,
): Promise<void> {
  try {
    let seen: unknown = used ?? (await ctx.scripts.run(operation, getValue, [key]));
    for (let round = 1; round <= MAX_BUDGET_SWAPS; round += 1) {
      const current = typeof seen === "string" ? seen : "0";
      const reply = (await ctx.scripts.run(
        operation,
        swapBudget,
        [key],
        [current, budgetAfter(current, add)],
      )) as [number, string?];
      if (reply[0] === 1) return;
      seen = reply[1];
    }
  } catch {
    // Under-spend is the documented consequence; never over-spend.
  }
}
