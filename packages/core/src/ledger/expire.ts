/**
 * Writing expiry down. Balances never count an expired lot; this records the
 * `expire` entry, closes the lot and adds the coins to the lot's `expired`,
 * once. Every write command sweeps its own account first, so history and
 * booked balance stay in step.
 */
import { Dec } from "../money/decimal.js";
import type { AccountDraft } from "./draft.js";
import { isExpired } from "./fifo.js";
import { isOpenLot } from "./lot.js";

/** Expire every open lot with `expiresAt <= at`; returns the coins and lots expired. */
export function sweepExpired(
  draft: AccountDraft,
  at: number = draft.at,
): { coins: Dec; lots: number } {
  let coins = new Dec(0);
  let lots = 0;
  const due = draft
    .lots()
    .filter((lot) => isExpired(lot, at) && isOpenLot(lot))
    .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || a.id - b.id);
  for (const lot of due) {
    const amount = draft.remainingOf(lot);
    draft.changeLot(lot.id, { remaining: amount.neg(), expired: amount });
    draft.entry("expire", amount.neg(), {
      requestId: null,
      lots: [{ lotId: lot.id, coins: amount.toFixed() }],
      eventId: lot.eventId,
      reason: `expired at ${new Date(lot.expiresAt as number).toISOString()}`,
    });
    coins = coins.plus(amount);
    lots += 1;
  }
  return { coins, lots };
}
