/**
 * Spending coins earliest-expiry first. Not enough spendable coins is an
 * error and the draft is left as it was.
 */
import { CoinageError } from "../errors.js";
import type { Dec } from "../money/decimal.js";
import type { AccountDraft } from "./draft.js";
import { planConsumption } from "./fifo.js";
import type { EntryType, LotMovement } from "./types.js";

export function spend(
  draft: AccountDraft,
  coins: Dec,
  fields: {
    readonly requestId: string | null;
    readonly reason?: string | null;
    readonly type?: Extract<EntryType, "redeem" | "adjust">;
  },
): readonly LotMovement[] {
  const plan = planConsumption(draft.lots(), coins, draft.at, draft.remainingOf);
  if (plan.shortfall.gt(0)) {
    throw new CoinageError("INSUFFICIENT_COINS", {
      userId: draft.snapshot.userId,
      available: plan.spendable.toFixed(),
      requested: coins.toFixed(),
    });
  }
  plan.movements.forEach((movement, i) => {
    draft.moveLot(movement.lotId, (plan.amounts[i] as Dec).neg());
  });
  draft.entry(fields.type ?? "redeem", coins.neg(), {
    requestId: fields.requestId,
    lots: plan.movements,
    reason: fields.reason ?? null,
  });
  return plan.movements;
}
