/** Turning ledger figures into the engine's public result shapes. */

import type { BalanceFigures } from "../ledger/balance.js";
import type { Entry } from "../ledger/types.js";
import { coinsToCurrency } from "../money/ratio.js";
import type { Program } from "../program.js";
import type { Balance, HistoryEntry } from "./types.js";

/** A balance (from `balanceAt`, or a draft's `balance()`) as the engine returns it. */
export function formatBalance(
  program: Program,
  userId: string,
  figures: BalanceFigures,
  at: number,
): Balance {
  const scale = program.coinScale;
  const available = figures.available.toFixed(scale);
  return {
    userId,
    available,
    pending: figures.pending.toFixed(scale),
    debt: figures.debt.toFixed(scale),
    value: coinsToCurrency(available, program),
    nextExpiry:
      figures.nextExpiry === null
        ? null
        : {
            at: new Date(figures.nextExpiry.at).toISOString(),
            coins: figures.nextExpiry.coins.toFixed(scale),
          },
    asOf: new Date(at).toISOString(),
  };
}

export function formatEntry(entry: Entry): HistoryEntry {
  return {
    seq: entry.seq,
    type: entry.type,
    coins: entry.coins,
    balanceAfter: entry.balanceAfter,
    debtAfter: entry.debtAfter,
    requestId: entry.requestId,
    lots: entry.lots,
    event: entry.eventId,
    at: new Date(entry.at).toISOString(),
    reason: entry.reason,
  };
}

export function iso(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}
