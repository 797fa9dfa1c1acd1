/**
 * Reversals.
 *
 * An allocation gives back at most what it still holds plus what was spent
 * from it: coins of it that expired are gone already and are not taken
 * again. Its own lot gives first, then the other lots earliest-expiry first;
 * what is still missing becomes debt (`clawback: "debt"`) or is forgiven
 * (`"cap"`), and either way is recorded on the lot as its shortfall.
 *
 * A redemption's coins go back into the lots they came from, with their
 * original expiry. Coins going into a lot with a shortfall first repay it
 * (the debt it left, or cancel what was forgiven); of the rest, coins whose
 * lot has expired meanwhile expire at once, and the others pay any debt
 * first and are spendable again.
 */

import { Dec, ZERO } from "../money/decimal.js";
import type { ClawbackPolicy } from "../program.js";
import type { AccountDraft } from "./draft.js";
import { isExpired, planConsumption } from "./fifo.js";
import { expiredOf, shortfallOf } from "./lot.js";
import type { Lot, LotMovement, RequestRecord } from "./types.js";

/**
 * Coins of an allocation a reversal may still take: what it earned, less
 * what of its lot expired and what was reversed already (never below 0; 0
 * when it created no lot).
 */
export function reversibleCoins(original: RequestRecord, lot: Lot | undefined): Dec {
  if (original.lotId === null || lot === undefined) return ZERO;
  return Dec.max(new Dec(original.coins).minus(expiredOf(lot)).minus(original.reversed), ZERO);
}

export interface AllocationReversal {
  readonly taken: Dec;
  readonly debt: Dec;
  readonly forgiven: Dec;
  readonly lots: readonly LotMovement[];
}

/** Take `coins` of an allocation back; the caller checked them against `reversibleCoins`. */
export function reverseAllocation(
  draft: AccountDraft,
  original: RequestRecord,
  coins: Dec,
  policy: ClawbackPolicy,
  fields: { readonly requestId: string; readonly reason?: string | null },
): AllocationReversal {
  const movements: LotMovement[] = [];
  let left = coins;
  const own = original.lotId === null ? undefined : draft.lot(original.lotId);
  if (own !== undefined && !isExpired(own, draft.at)) {
    const take = Dec.min(draft.remainingOf(own), left);
    if (take.gt(0)) {
      draft.moveLot(own.id, take.neg());
      movements.push({ lotId: own.id, coins: take.toFixed() });
      left = left.minus(take);
    }
  }
  if (left.gt(0)) {
    const plan = planConsumption(draft.lots(), left, draft.at, draft.remainingOf);
    plan.movements.forEach((movement, i) => {
      draft.moveLot(movement.lotId, (plan.amounts[i] as Dec).neg());
      movements.push(movement);
    });
    left = plan.shortfall;
  }
  const taken = coins.minus(left);
  const debt = policy === "debt" ? left : ZERO;
  const forgiven = policy === "debt" ? ZERO : left;
  if (left.gt(0) && own !== undefined) draft.changeLot(own.id, { shortfall: left });
  draft.debt = draft.debt.plus(debt);
  const booked = taken.plus(debt);
  if (booked.gt(0)) {
    draft.entry("reverse", booked.neg(), {
      requestId: fields.requestId,
      lots: movements,
      eventId: own?.eventId ?? null,
      reason:
        fields.reason ??
        (left.gt(0)
          ? `${left.toFixed()} ${policy === "debt" ? "booked as debt" : "forgiven"}`
          : null),
    });
  }
  return { taken, debt, forgiven, lots: movements };
}

export interface RedemptionReversal {
  /** Coins put back (all of `coins`). */
  readonly restored: Dec;
  /** Of those, coins that repaid a reversed allocation's debt or cancelled its forgiven shortfall. */
  readonly repaid: Dec;
  /** Of those, coins that paid other debt. */
  readonly debtPaid: Dec;
  /** Of those, coins that expired at once (their lot had expired). */
  readonly expired: Dec;
  readonly lots: readonly LotMovement[];
}

/**
 * Put `coins` of a redemption back. Partial reversals undo the consumption
 * from its last part backwards, so the coins spent last come back first.
 * History: one `restore` entry for all of them; then, under `"cap"`, one
 * `reverse` entry for the forgiven shortfall they cancel; then one `expire`
 * entry for what expired at once.
 */
export function reverseRedemption(
  draft: AccountDraft,
  original: RequestRecord,
  coins: Dec,
  policy: ClawbackPolicy,
  fields: { readonly requestId: string; readonly reason?: string | null },
): RedemptionReversal {
  const undone = alreadyUndone(original);
  const restoredMoves: LotMovement[] = [];
  const cancelledMoves: LotMovement[] = [];
  const expiredMoves: LotMovement[] = [];
  let repaid = ZERO;
  let debtPaid = ZERO;
  let left = coins;
  for (let i = original.parts.length - 1; i >= 0 && left.gt(0); i--) {
    const part = original.parts[i] as LotMovement;
    const open = new Dec(part.coins).minus(undone[i] as Dec);
    const give = Dec.min(open, left);
    if (give.lte(0)) continue;
    left = left.minus(give);
    restoredMoves.push({ lotId: part.lotId, coins: give.toFixed() });
    const lot = draft.lot(part.lotId);
    if (lot === undefined) throw new Error(`lot ${part.lotId} is not in the snapshot`);

    // 1. Repay what a reversal of the lot's allocation could not take back.
    const repay =
      policy === "debt"
        ? Dec.min(give, shortfallOf(lot), draft.debt)
        : Dec.min(give, shortfallOf(lot));
    if (repay.gt(0)) {
      repaid = repaid.plus(repay);
      if (policy === "debt") {
        draft.changeLot(lot.id, { shortfall: repay.neg() });
        draft.debt = draft.debt.minus(repay);
      } else {
        // In the lot until the `reverse` entry below takes them out again.
        draft.changeLot(lot.id, { shortfall: repay.neg(), remaining: repay });
        cancelledMoves.push({ lotId: lot.id, coins: repay.toFixed() });
      }
    }

    // 2. The rest expires at once, or pays debt first and is spendable again.
    const rest = give.minus(repay);
    if (rest.lte(0)) continue;
    if (isExpired(lot, draft.at)) {
      // In the lot until the `expire` entry below takes them out again.
      draft.moveLot(lot.id, rest);
      expiredMoves.push({ lotId: lot.id, coins: rest.toFixed() });
    } else {
      const paid = Dec.min(rest, draft.debt);
      draft.debt = draft.debt.minus(paid);
      debtPaid = debtPaid.plus(paid);
      draft.moveLot(lot.id, rest.minus(paid));
    }
  }
  const restored = coins.minus(left);
  const paidTotal = policy === "debt" ? repaid.plus(debtPaid) : debtPaid;
  draft.entry("restore", restored, {
    requestId: fields.requestId,
    lots: restoredMoves,
    reason: fields.reason ?? (paidTotal.gt(0) ? `paid ${paidTotal.toFixed()} of debt` : null),
  });
  if (cancelledMoves.length > 0) cancelForgiven(draft, cancelledMoves, fields.requestId);
  let expired = ZERO;
  for (const move of expiredMoves) {
    const amount = new Dec(move.coins);
    draft.changeLot(move.lotId, { remaining: amount.neg(), expired: amount });
    expired = expired.plus(amount);
  }
  if (expired.gt(0)) {
    draft.entry("expire", expired.neg(), {
      requestId: fields.requestId,
      lots: expiredMoves,
      reason: "restored into a lot that had already expired",
    });
  }
  return { restored, repaid, debtPaid, expired, lots: restoredMoves };
}

/** The `reverse` entry for restored coins that cancel a forgiven shortfall (`clawback: "cap"`). */
function cancelForgiven(draft: AccountDraft, moves: readonly LotMovement[], requestId: string) {
  let total = ZERO;
  const named: string[] = [];
  const events = new Set<string | null>();
  for (const move of moves) {
    const lot = draft.moveLot(move.lotId, new Dec(move.coins).neg());
    total = total.plus(move.coins);
    events.add(lot.eventId);
    named.push(
      lot.requestId === null
        ? `${move.coins} forgiven of lot ${lot.id}`
        : `${move.coins} forgiven of allocation ${lot.requestId}`,
    );
  }
  draft.entry("reverse", total.neg(), {
    requestId,
    lots: moves,
    eventId: events.size === 1 ? ([...events][0] ?? null) : null,
    reason: `cancels ${named.join(", ")}`,
  });
}

/** How much of each part earlier partial reversals already put back (last part first). */
function alreadyUndone(original: RequestRecord): Dec[] {
  const undone = original.parts.map(() => new Dec(0));
  let left = new Dec(original.reversed);
  for (let i = original.parts.length - 1; i >= 0 && left.gt(0); i--) {
    const take = Dec.min(new Dec((original.parts[i] as LotMovement).coins), left);
    undone[i] = take;
    left = left.minus(take);
  }
  return undone;
}
