/**
 * What a read answered, and the snapshot a command sees: rows of the read
 * statements (`reads.ts`) parsed into the account row and what was found for
 * the command; the spend lots picked from their pages, reading further pages
 * and the rest of an expiry group when needed.
 */
import {
  type AccountReads,
  type AccountSnapshot,
  type AccountTotals,
  addDecimalStrings,
  compareDecimalStrings,
  compareSpendOrder,
  type Lot,
  type RequestRecord,
} from "@coinage/core";
import type { Row } from "./client.js";
import { SPEND_PAGE } from "./reads.js";
import { toLot, toRequest } from "./rows.js";

const MAX_SPEND_PAGE = 1024;

/** The account row as read. */
export interface AccountRow {
  readonly version: number;
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  readonly totals: AccountTotals;
}

/** Lots, counters, records and the budget of one account. */
export interface Found {
  readonly lots: Map<number, Lot>;
  /** The rows of the first spend page, not yet in `lots` (`completeSpend` picks from them). */
  readonly page: Lot[];
  readonly usage: Record<string, string>;
  readonly requests: Record<string, RequestRecord>;
  budget: string | undefined;
  /** The stored version of the event asked for (`null`: no such event), when asked. */
  eventVersion: number | null | undefined;
}

export function emptyFound(): Found {
  return {
    lots: new Map(),
    page: [],
    usage: Object.create(null),
    requests: Object.create(null),
    budget: undefined,
    eventVersion: undefined,
  };
}

/** What one account read answered. */
export interface OneRead {
  /** The account row (locked, when read with a lock); missing when the account has none. */
  readonly account: AccountRow | undefined;
  /** The snapshot was taken after the last commit on the account (always so without a lock). */
  readonly current: boolean;
  /** The committed record holding the command's request id (the command is a replay). */
  readonly replay: RequestRecord | undefined;
  readonly found: Found;
}

export function parseOne(rows: readonly Row[]): OneRead {
  const found = emptyFound();
  let account: AccountRow | undefined;
  let current = true;
  let replay: RequestRecord | undefined;
  for (const r of rows) {
    switch (r.k) {
      case "a":
        if (r.c2 !== null) {
          account = accountRow(r);
          // A row made by this statement is new: nothing committed before it.
          current = r.c11 === "1" || r.c3 === null || r.c3 === r.c2;
        }
        break;
      case "r":
        replay = toRequest(r);
        break;
      default:
        addRow(found, r);
    }
  }
  return { account, current, replay, found };
}

/** c2 version, c4 debt, c5 next lot id, c6 next entry seq, c7..c10 the totals. */
function accountRow(r: Row): AccountRow {
  return {
    version: Number(r.c2),
    debt: String(r.c4),
    nextLotId: Number(r.c5),
    nextEntrySeq: Number(r.c6),
    totals: {
      open: String(r.c7),
      pending: String(r.c8),
      asOf: Number(r.c9),
      nextChangeAt: r.c10 === null ? null : Number(r.c10),
    },
  };
}

/** A lot, counter, record or budget row into `found`. */
function addRow(found: Found, r: Row): void {
  switch (r.k) {
    case "l":
      if (r.c11 === "true") found.page.push(toLot(r));
      else {
        const lot = toLot(r);
        found.lots.set(lot.id, lot);
      }
      break;
    case "u":
      found.usage[String(r.c1)] = String(r.c2);
      break;
    case "q": {
      const record = toRequest(r);
      found.requests[record.requestId] = record;
      break;
    }
    case "b":
      found.budget = String(r.c1);
      break;
    case "v":
      found.eventVersion = r.c1 === null || r.c1 === undefined ? null : Number(r.c1);
      break;
  }
}

/** The statements `completeSpend` may run, bound to a session. */
export interface SpendQueries {
  page(values: unknown[]): Promise<readonly Row[]>;
  groupRest(values: unknown[]): Promise<readonly Row[]>;
}

/**
 * The spend lots, from the first page read with the account: walk the page
 * in FIFO order until the spendable lots hold more than `spend`, then the
 * rest of that lot's expiry group; read the next page (a larger one, so the
 * pages cost what the reached lots cost) while a full page does not get
 * there, and the rest of the group when the page ended inside it.
 */
export async function completeSpend(
  found: Found,
  programId: string,
  userId: string,
  reads: AccountReads,
  queries: SpendQueries,
): Promise<void> {
  const spend = reads.spend;
  if (spend === undefined) return;
  let page = found.page;
  let size = SPEND_PAGE;
  let held = "0";
  for (;;) {
    page.sort(compareSpendOrder);
    for (let i = 0; i < page.length; i++) {
      const lot = page[i] as Lot;
      found.lots.set(lot.id, lot);
      if (lot.availableAt > reads.at) continue;
      held = addDecimalStrings(held, lot.remaining);
      if (compareDecimalStrings(held, spend) <= 0) continue;
      // Reached: the rest of this lot's expiry group, on this page and past it.
      if (lot.expiresAt === null) return;
      let j = i + 1;
      for (; j < page.length && (page[j] as Lot).expiresAt === lot.expiresAt; j++) {
        found.lots.set((page[j] as Lot).id, page[j] as Lot);
      }
      if (j === page.length && page.length === size) {
        const last = page[j - 1] as Lot;
        for (const r of await queries.groupRest([
          programId,
          userId,
          last.expiresAt,
          last.earnedAt,
          last.id,
        ])) {
          const rest = toLot(r);
          found.lots.set(rest.id, rest);
        }
      }
      return;
    }
    const last = page[page.length - 1];
    // Not reached: the page held every lot there was, or the next one is read.
    if (last === undefined || page.length < size) return;
    size = Math.min(size * 4, MAX_SPEND_PAGE);
    const next = emptyFound();
    for (const r of await queries.page([
      programId,
      userId,
      last.expiresAt,
      last.earnedAt,
      last.id,
      size,
    ])) {
      addRow(next, r);
    }
    page = next.page;
  }
}

/** An account never written: version 0, no lots, totals of nothing. */
export const NO_ACCOUNT: AccountRow = {
  version: 0,
  debt: "0",
  nextLotId: 1,
  nextEntrySeq: 1,
  totals: { open: "0", pending: "0", asOf: 0, nextChangeAt: null },
};

/** The snapshot a command sees: the account row and what was found for its reads. */
export function snapshotOf(
  userId: string,
  account: AccountRow | undefined,
  found: Found,
  reads: AccountReads,
): AccountSnapshot {
  const base = account ?? NO_ACCOUNT;
  const snapshot: AccountSnapshot = {
    userId,
    version: base.version,
    totals: base.totals,
    lots: [...found.lots.values()].sort((a, b) => a.id - b.id),
    debt: base.debt,
    nextLotId: base.nextLotId,
    nextEntrySeq: base.nextEntrySeq,
    usage: found.usage,
    requests: found.requests,
  };
  return {
    ...snapshot,
    ...(reads.budgetEventId === undefined ? {} : { budgetUsed: found.budget ?? "0" }),
    ...(reads.eventId === undefined ? {} : { eventVersion: found.eventVersion ?? null }),
  };
}
