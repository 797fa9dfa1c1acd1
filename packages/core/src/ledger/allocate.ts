/**
 * Booking earned coins: a new lot. Earnings pay off debt first; the lot keeps
 * what is left, so a reversal can still find the lot it created.
 */
import { Dec } from "../money/decimal.js";
import type { AccountDraft } from "./draft.js";
import type { EntryType, Lot } from "./types.js";

export interface EarnInput {
  readonly coins: Dec;
  readonly availableAt: number;
  readonly expiresAt: number | null;
  readonly eventId: string | null;
  readonly requestId: string | null;
  readonly reason?: string | null;
  readonly type?: Extract<EntryType, "earn" | "adjust">;
}

export interface Earned {
  readonly lot: Lot | null;
  readonly debtPaid: Dec;
}

export function earn(draft: AccountDraft, input: EarnInput): Earned {
  if (input.coins.lte(0)) return { lot: null, debtPaid: new Dec(0) };
  const debtPaid = Dec.min(input.coins, draft.debt);
  const remaining = input.coins.minus(debtPaid);
  const lot: Lot = {
    id: draft.newLotId(),
    coins: input.coins.toFixed(),
    remaining: remaining.toFixed(),
    earnedAt: draft.at,
    availableAt: Math.max(input.availableAt, draft.at),
    expiresAt: input.expiresAt,
    eventId: input.eventId,
    requestId: input.requestId,
    expired: "0",
    shortfall: "0",
  };
  draft.addLot(lot, remaining);
  draft.debt = draft.debt.minus(debtPaid);
  draft.entry(input.type ?? "earn", input.coins, {
    requestId: input.requestId,
    lots: [{ lotId: lot.id, coins: input.coins.toFixed() }],
    eventId: input.eventId,
    reason: input.reason ?? (debtPaid.gt(0) ? `paid ${debtPaid.toFixed()} of debt` : null),
  });
  return { lot, debtPaid };
}
