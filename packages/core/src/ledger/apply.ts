import { dictionary, lookup } from "../dictionary.js";
import { addDecimalStrings, compareDecimalStrings } from "../money/decimal.js";
import { selectLots } from "./select.js";
import { EMPTY_TOTALS } from "./totals.js";
import type { AccountChange, AccountReads, AccountSnapshot, Lot, RequestRecord } from "./types.js";

/**
 * The account `snapshot` describes after `change` is committed on top of it:
 * its lots and the change's lots (closed ones stay, holding 0), the change's
 * totals. Pure; stores use it to apply several commands of one batch on one
 * account in order, with `snapshotFor` to show each command its lots.
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
    totals: change.totals,
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
    totals: EMPTY_TOTALS,
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
 * several commands, or advanced by earlier commands of a batch): the lots
 * `selectLots` picks for its reads, only the usage counters and request
 * records it asked for, and the budget of its own event. The same snapshot
 * the store would read for that command alone, provided `state.lots` holds
 * every open lot of the account (and the closed ones asked for by id).
 */
export function snapshotFor(
  state: AccountSnapshot,
  reads: AccountReads,
  budgetUsed: string | undefined,
): AccountSnapshot {
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
    lots: selectLots(state.lots, reads, state.totals.asOf),
    usage,
    requests,
    ...(budgetUsed === undefined ? {} : { budgetUsed }),
  };
}
