import { dictionary, lookup } from "../dictionary.js";
import { addDecimalStrings, compareDecimalStrings, isZeroDecimalString } from "../money/decimal.js";
import type { AccountChange, AccountReads, AccountSnapshot, Lot, RequestRecord } from "./types.js";

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
  const requests = dictionary<RequestRecord>(Object.entries(snapshot.requests));
  for (const record of change.requests) requests[record.requestId] = record;
  const budgetUsed =
    change.budget === undefined || snapshot.budgetUsed === undefined
      ? snapshot.budgetUsed
      : budgetAfter(snapshot.budgetUsed, change.budget.add);
  return {
    ...snapshot,
    version: snapshot.version + 1,
    lots: [...lots.values()].sort((a, b) => a.id - b.id),
    debt: change.debt,
    nextLotId: change.nextLotId,
    nextEntrySeq: change.nextEntrySeq,
    usage: dictionary([...Object.entries(snapshot.usage), ...Object.entries(change.usage)]),
    requests,
    ...(budgetUsed === undefined ? {} : { budgetUsed }),
  };
}

/**
 * An event budget counter at `used` after a change's `budget.add`: a give-back
 * (negative add) never takes it below 0. Stores commit this value.
 */
export function budgetAfter(used: string, add: string): string {
  const total = addDecimalStrings(used, add);
  return compareDecimalStrings(total, "0") < 0 ? "0" : total;
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
    usage: dictionary(),
    requests: dictionary(),
  };
}

/**
 * What one command is shown of an account a store holds more of (read for
 * several commands, or advanced by earlier commands of a batch): the open
 * lots and the closed ones it asked for, only the usage counters and request
 * records it asked for, and the budget of its own event. The same snapshot
 * the store would read for that command alone.
 */
export function snapshotFor(
  state: AccountSnapshot,
  reads: AccountReads,
  budgetUsed: string | undefined,
): AccountSnapshot {
  const lotIds = new Set(reads.lotIds);
  const usage = dictionary<string>();
  for (const key of reads.usageKeys) {
    const value = lookup(state.usage, key);
    if (value !== undefined) usage[key] = value;
  }
  const requests = dictionary<RequestRecord>();
  for (const id of reads.requestIds) {
    const record = lookup(state.requests, id);
    if (record !== undefined) requests[id] = record;
  }
  const { budgetUsed: _unused, ...rest } = state;
  return {
    ...rest,
    lots: state.lots.filter((lot) => !isZeroDecimalString(lot.remaining) || lotIds.has(lot.id)),
    usage,
    requests,
    ...(budgetUsed === undefined ? {} : { budgetUsed }),
  };
}
