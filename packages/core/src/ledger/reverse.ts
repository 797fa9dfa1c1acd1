/**
 * Reversals. An allocation's coins are taken back from its own lot first,
 * then earliest-expiry first from the others; what is still missing becomes
 * debt (`clawback: "debt"`) or is forgiven (`"cap"`). A redemption's coins go
 * back into the lots they came from with their original expiry; coins whose
 * lot has expired meanwhile expire at once.
 */

import { Dec } from "../money/decimal.js";
import type { ClawbackPolicy } from "../program.js";
import type { AccountDraft } from "./draft.js";
import { isExpired, planConsumption } from "./fifo.js";
import type { LotMovement, RequestRecord } from "./types.js";

export interface AllocationReversal {
  readonly taken: Dec;
  readonly debt: Dec;
  readonly forgiven: Dec;
  readonly lots: readonly LotMovement[];
}

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
    const take = Dec.min(new Dec(own.remaining), left);
    if (take.gt(0)) {
      draft.moveLot(own.id, take.neg());
      movements.push({ lotId: own.id, coins: take.toFixed() });
      left = left.minus(take);
    }
  }
  if (left.gt(0)) {
    const plan = planConsumption(draft.lots(), left, draft.at);
    for (const movement of plan.movements) {
      draft.moveLot(movement.lotId, new Dec(movement.coins).neg());
      movements.push(movement);
    }
    left = plan.shortfall;
  }
  const taken = coins.minus(left);
  const debt = policy === "debt" ? left : new Dec(0);
  const forgiven = policy === "debt" ? new Dec(0) : left;
  draft.debt = draft.debt.plus(debt);
  const booked = taken.plus(debt);
  if (booked.gt(0)) {
    draft.entry("reverse", booked.neg(), {
      requestId: fields.requestId,
      lots: movements,
      eventId: draftEventId(draft, original),
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
  readonly restored: Dec;
  readonly expired: Dec;
  readonly lots: readonly LotMovement[];
}

/**
 * Put `coins` of a redemption back. Partial reversals undo the consumption
 * from its last part backwards, so the coins spent last come back first.
 */
export function reverseRedemption(
  draft: AccountDraft,
  original: RequestRecord,
  coins: Dec,
  fields: { readonly requestId: string; readonly reason?: string | null },
): RedemptionReversal {
  const undone = alreadyUndone(original);
  const restoredMoves: LotMovement[] = [];
  const expiredMoves: LotMovement[] = [];
  let left = coins;
  for (let i = original.parts.length - 1; i >= 0 && left.gt(0); i--) {
    const part = original.parts[i] as LotMovement;
    const open = new Dec(part.coins).minus(undone[i] as Dec);
    const give = Dec.min(open, left);
    if (give.lte(0)) continue;
    left = left.minus(give);
    restoredMoves.push({ lotId: part.lotId, coins: give.toFixed() });
    const lot = draft.moveLot(part.lotId, give);
    if (isExpired(lot, draft.at)) expiredMoves.push({ lotId: part.lotId, coins: give.toFixed() });
  }
  const restored = coins.minus(left);
  draft.entry("restore", restored, {
    requestId: fields.requestId,
    lots: restoredMoves,
    reason: fields.reason ?? null,
  });
  let expired = new Dec(0);
  for (const move of expiredMoves) {
    draft.moveLot(move.lotId, new Dec(move.coins).neg());
    expired = expired.plus(move.coins);
  }
  if (expired.gt(0)) {
    draft.entry("expire", expired.neg(), {
      requestId: fields.requestId,
      lots: expiredMoves,
      reason: "restored into a lot that had already expired",
    });
  }
  return { restored, expired, lots: restoredMoves };
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

function draftEventId(draft: AccountDraft, original: RequestRecord): string | null {
  if (original.lotId === null) return null;
  return draft.lot(original.lotId)?.eventId ?? null;
}
