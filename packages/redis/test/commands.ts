/**
 * Hand-written `decide` functions for the store's own tests: just enough
 * ledger logic to credit and debit whole coins, with the records a real
 * engine would write.
 */

import type {
  AccountCommand,
  AccountSnapshot,
  AccountTotals,
  Entry,
  Lot,
  RequestRecord,
} from "@coinage/core";
import { CoinageError } from "@coinage/core";

const noReads = { at: 0, usageKeys: [], requestIds: [], lotIds: [] } as const;

/** Coins booked on the account: its open lots' remaining coins (expired ones not swept included) minus debt. */
export function balanceOf(snapshot: AccountSnapshot): number {
  return Number(snapshot.totals.open) - Number(snapshot.debt);
}

/**
 * The totals after `changed` replaces lots of `snapshot` at `at` (whole
 * coins; the lots of these helpers are never pending): the open coins moved
 * by the difference, `nextChangeAt` lowered by any expiry of a changed lot.
 */
export function totalsAfter(
  snapshot: AccountSnapshot,
  changed: readonly Lot[],
  at: number,
): AccountTotals {
  let open = Number(snapshot.totals.open);
  let next = snapshot.totals.nextChangeAt;
  for (const lot of changed) {
    const before = snapshot.lots.find((old) => old.id === lot.id);
    open += Number(lot.remaining) - Number(before?.remaining ?? 0);
    if (
      Number(lot.remaining) > 0 &&
      lot.expiresAt !== null &&
      (next === null || lot.expiresAt < next)
    )
      next = lot.expiresAt;
  }
  return { open: String(open), pending: "0", asOf: at, nextChangeAt: next };
}

export interface CreditOptions {
  readonly programId: string;
  readonly userId: string;
  readonly requestId?: string;
  readonly coins: number;
  readonly at?: number;
  readonly expiresAt?: number | null;
  readonly eventId?: string;
  /** Event budget: what may be handed out in total. */
  readonly budget?: string;
  readonly usageKey?: string;
}

/** Earn `coins` into a new lot (clipped by the event budget when given). */
export function credit(options: CreditOptions): AccountCommand<{ coins: string; lotId: number }> {
  const at = options.at ?? 1_000;
  const requestId = options.requestId ?? null;
  return {
    programId: options.programId,
    userId: options.userId,
    ...(requestId === null
      ? {}
      : { request: { requestId, fingerprint: `credit:${options.userId}:${options.coins}` } }),
    reads: {
      ...noReads,
      at,
      usageKeys: options.usageKey === undefined ? [] : [options.usageKey],
      ...(options.budget === undefined ? {} : { budgetEventId: options.eventId ?? "E" }),
    },
    decide(snapshot) {
      let coins = options.coins;
      if (options.budget !== undefined) {
        const left = Number(options.budget) - Number(snapshot.budgetUsed ?? "0");
        coins = Math.max(0, Math.min(coins, left));
      }
      const lot: Lot = {
        id: snapshot.nextLotId,
        coins: String(coins),
        remaining: String(coins),
        earnedAt: at,
        availableAt: at,
        expiresAt: options.expiresAt ?? null,
        eventId: options.eventId ?? null,
        requestId,
      };
      const entry: Entry = {
        seq: snapshot.nextEntrySeq,
        type: "earn",
        coins: String(coins),
        balanceAfter: String(balanceOf(snapshot) + coins),
        debtAfter: snapshot.debt,
        requestId,
        lots: [{ lotId: lot.id, coins: String(coins) }],
        eventId: options.eventId ?? null,
        at,
        reason: null,
      };
      const result = { coins: String(coins), lotId: lot.id };
      const records: RequestRecord[] =
        requestId === null
          ? []
          : [
              {
                requestId,
                kind: "allocate",
                userId: options.userId,
                fingerprint: `credit:${options.userId}:${options.coins}`,
                at,
                result,
                coins: String(coins),
                reversed: "0",
                lotId: lot.id,
                parts: [],
              },
            ];
      const used =
        options.usageKey === undefined
          ? undefined
          : Number(snapshot.usage[options.usageKey] ?? "0");
      return {
        change: {
          lots: [lot],
          totals: totalsAfter(snapshot, [lot], at),
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId + 1,
          nextEntrySeq: snapshot.nextEntrySeq + 1,
          entries: [entry],
          usage:
            options.usageKey === undefined
              ? {}
              : { [options.usageKey]: String((used ?? 0) + coins) },
          requests: records,
          ...(options.budget === undefined
            ? {}
            : {
                budget: {
                  eventId: options.eventId ?? "E",
                  add: String(coins),
                  limit: options.budget,
                },
              }),
        },
        result,
      };
    },
  };
}

/** Spend `coins`, earliest expiry first; INSUFFICIENT_COINS when short. */
export function debit(options: {
  readonly programId: string;
  readonly userId: string;
  readonly requestId: string;
  readonly coins: number;
  readonly at?: number;
}): AccountCommand<{ coins: string }> {
  const at = options.at ?? 2_000;
  return {
    programId: options.programId,
    userId: options.userId,
    request: {
      requestId: options.requestId,
      fingerprint: `debit:${options.userId}:${options.coins}`,
    },
    reads: { ...noReads, at, spend: String(options.coins) },
    decide(snapshot) {
      const open = [...snapshot.lots]
        .filter(
          (lot) => Number(lot.remaining) > 0 && (lot.expiresAt === null || lot.expiresAt > at),
        )
        .sort(
          (a, b) =>
            (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY) ||
            a.id - b.id,
        );
      const available = open.reduce((sum, lot) => sum + Number(lot.remaining), 0);
      if (available < options.coins) {
        throw new CoinageError("INSUFFICIENT_COINS", {
          userId: options.userId,
          available: String(available),
          requested: String(options.coins),
        });
      }
      let left = options.coins;
      const lots: Lot[] = [];
      const parts: { lotId: number; coins: string }[] = [];
      for (const lot of open) {
        if (left === 0) break;
        const take = Math.min(left, Number(lot.remaining));
        left -= take;
        lots.push({ ...lot, remaining: String(Number(lot.remaining) - take) });
        parts.push({ lotId: lot.id, coins: String(take) });
      }
      const result = { coins: String(options.coins) };
      return {
        change: {
          lots,
          totals: totalsAfter(snapshot, lots, at),
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq + 1,
          entries: [
            {
              seq: snapshot.nextEntrySeq,
              type: "redeem",
              coins: String(-options.coins),
              balanceAfter: String(balanceOf(snapshot) - options.coins),
              debtAfter: snapshot.debt,
              requestId: options.requestId,
              lots: parts,
              eventId: null,
              at,
              reason: null,
            },
          ],
          usage: {},
          requests: [
            {
              requestId: options.requestId,
              kind: "redeem",
              userId: options.userId,
              fingerprint: `debit:${options.userId}:${options.coins}`,
              at,
              result,
              coins: String(options.coins),
              reversed: "0",
              lotId: null,
              parts,
            },
          ],
        },
        result,
      };
    },
  };
}

/** Expire every open lot with `expiresAt <= before` (no request id, like the sweep). */
export function expireLots(options: {
  readonly programId: string;
  readonly userId: string;
  readonly before: number;
}): AccountCommand<{ lots: number }> {
  return {
    programId: options.programId,
    userId: options.userId,
    reads: { ...noReads, at: options.before },
    decide(snapshot) {
      const due = snapshot.lots.filter(
        (lot) =>
          Number(lot.remaining) > 0 && lot.expiresAt !== null && lot.expiresAt <= options.before,
      );
      let balance = balanceOf(snapshot);
      const entries: Entry[] = due.map((lot, i) => {
        balance -= Number(lot.remaining);
        return {
          seq: snapshot.nextEntrySeq + i,
          type: "expire",
          coins: String(-Number(lot.remaining)),
          balanceAfter: String(balance),
          debtAfter: snapshot.debt,
          requestId: null,
          lots: [{ lotId: lot.id, coins: lot.remaining }],
          eventId: lot.eventId,
          at: options.before,
          reason: null,
        };
      });
      const closed = due.map((lot) => ({ ...lot, remaining: "0" }));
      return {
        change: {
          lots: closed,
          totals: totalsAfter(snapshot, closed, options.before),
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq + due.length,
          entries,
          usage: {},
          requests: [],
        },
        result: { lots: due.length },
      };
    },
  };
}

export const emptyReads = noReads;
