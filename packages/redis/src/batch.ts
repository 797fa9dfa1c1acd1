/**
 * Pure helpers for `executeMany`: what one read of an account must cover for
 * several commands, and the changes of several commands on one account
 * merged into one commit.
 */
import {
  type AccountChange,
  type AccountReads,
  isZeroDecimalString,
  type Lot,
  type RequestRecord,
} from "@coinage/core";

/**
 * The reads of several commands on one account in one: every usage key,
 * request id and lot id any of them asks for, plus the commands' own request
 * ids (so that a request already recorded shows up as a record). Budgets are
 * read separately, once per event.
 */
export function unionReads(
  reads: readonly AccountReads[],
  ownRequestIds: readonly string[],
): AccountReads {
  const usageKeys = new Set<string>();
  const requestIds = new Set<string>(ownRequestIds);
  const lotIds = new Set<number>();
  for (const read of reads) {
    for (const key of read.usageKeys) usageKeys.add(key);
    for (const id of read.requestIds) requestIds.add(id);
    for (const id of read.lotIds) lotIds.add(id);
  }
  return { usageKeys: [...usageKeys], requestIds: [...requestIds], lotIds: [...lotIds] };
}

/** The writes of several changes to one account, applied in order, as one change. */
export interface MergedChange {
  readonly lots: readonly Lot[];
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  readonly entries: AccountChange["entries"];
  readonly usage: Readonly<Record<string, string>>;
  readonly requests: readonly RequestRecord[];
}

/**
 * Merges changes decided one after another on one account (each on the
 * snapshot the earlier ones left): the last state of every lot, usage
 * counter and request record, every entry, the last head.
 */
export function mergeChanges(changes: readonly AccountChange[]): MergedChange {
  const last = changes[changes.length - 1];
  if (last === undefined) throw new Error("mergeChanges: no change");
  const lots = new Map<number, Lot>();
  const usage = new Map<string, string>();
  const requests = new Map<string, RequestRecord>();
  const entries: AccountChange["entries"][number][] = [];
  for (const change of changes) {
    for (const lot of change.lots) lots.set(lot.id, lot);
    entries.push(...change.entries);
    for (const [key, value] of Object.entries(change.usage)) usage.set(key, value);
    for (const record of change.requests) requests.set(record.requestId, record);
  }
  return {
    lots: [...lots.values()],
    debt: last.debt,
    nextLotId: last.nextLotId,
    nextEntrySeq: last.nextEntrySeq,
    entries,
    usage: Object.fromEntries(usage),
    requests: [...requests.values()],
  };
}

/** The earliest expiry among open lots (remaining > 0), or `null`. */
export function earliestExpiry(lots: readonly Lot[]): number | null {
  let earliest: number | null = null;
  for (const lot of lots) {
    if (lot.expiresAt === null || isZeroDecimalString(lot.remaining)) continue;
    if (earliest === null || lot.expiresAt < earliest) earliest = lot.expiresAt;
  }
  return earliest;
}
