import { addDecimalStrings } from "../money/decimal.js";
import type { AccountChange, AccountSnapshot, Lot, RequestRecord } from "./types.js";

/**
 * The snapshot an account has after `change` is committed on top of
 * `snapshot`. Closed lots (remaining "0") drop out of the open set unless the
 * snapshot was asked to hold them. Pure; stores use it to apply several
 * commands of one batch on one account in order, and the memory store to
 * keep its state.
 */
export function applyChange(snapshot: AccountSnapshot, change: AccountChange): AccountSnapshot {
  const lots = new Map<number, Lot>(snapshot.lots.map((lot) => [lot.id, lot]));
  for (const lot of change.lots) lots.set(lot.id, lot);
  const requests: Record<string, RequestRecord> = { ...snapshot.requests };
  for (const record of change.requests) requests[record.requestId] = record;
  const budgetUsed =
    change.budget === undefined || snapshot.budgetUsed === undefined
      ? snapshot.budgetUsed
      : addDecimalStrings(snapshot.budgetUsed, change.budget.add);
  return {
    ...snapshot,
    version: snapshot.version + 1,
    lots: [...lots.values()].sort((a, b) => a.id - b.id),
    debt: change.debt,
    nextLotId: change.nextLotId,
    nextEntrySeq: change.nextEntrySeq,
    usage: { ...snapshot.usage, ...change.usage },
    requests,
    ...(budgetUsed === undefined ? {} : { budgetUsed }),
  };
}

/** An account that has never been written. */
export function emptySnapshot(userId: string): AccountSnapshot {
  return {
    userId,
    version: 0,
    lots: [],
    debt: "0",
    nextLotId: 1,
    nextEntrySeq: 1,
    usage: {},
    requests: {},
  };
}
