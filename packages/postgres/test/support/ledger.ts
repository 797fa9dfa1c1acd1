/**
 * Hand-written `decide` functions: a tiny whole-coin ledger that lets the
 * store be tested without the engine. Allocations create a lot; redemptions
 * consume the lots they are given FIFO (earliest expiry, then earliest
 * earned, then lot id), expired ones included. Every command reads at
 * `READ_AT`, after every lot's `availableAt`, and keeps the account's totals
 * (`open`; nothing is ever pending).
 */
import {
  type AccountCommand,
  type AccountSnapshot,
  type AccountTotals,
  CoinageError,
  type Lot,
  type RequestRecord,
} from "@coinage/core";

const T0 = 1_700_000_000_000;
/** The instant every command reads at. */
export const READ_AT = T0 + 1_000_000;

export const NO_READS = { at: READ_AT, usageKeys: [], requestIds: [], lotIds: [] } as const;

function booked(snapshot: AccountSnapshot): number {
  return Number(snapshot.totals.open) - Number(snapshot.debt);
}

/** The totals after `open` changed by `delta` coins. */
function totalsAfter(snapshot: AccountSnapshot, delta: number): AccountTotals {
  return {
    open: String(Number(snapshot.totals.open) + delta),
    pending: "0",
    asOf: READ_AT,
    nextChangeAt: null,
  };
}

function record(
  snapshot: AccountSnapshot,
  requestId: string,
  kind: RequestRecord["kind"],
  coins: number,
  result: unknown,
  extra: Partial<RequestRecord> = {},
): RequestRecord {
  return {
    requestId,
    kind,
    userId: snapshot.userId,
    fingerprint: `fp:${kind}:${coins}`,
    at: T0 + snapshot.nextEntrySeq,
    result,
    coins: String(coins),
    reversed: "0",
    lotId: null,
    parts: [],
    ...extra,
  };
}

export interface AllocateOptions {
  readonly expiresAt?: number | null;
  readonly budget?: { readonly eventId: string; readonly limit: number };
  readonly usageKey?: string;
}

/** Earn `coins` (clipped to what the budget has left, when one is given). */
export function allocate(
  programId: string,
  userId: string,
  requestId: string,
  coins: number,
  options: AllocateOptions = {},
): AccountCommand<{ lotId: number; coins: number; balance: number }> {
  const budget = options.budget;
  return {
    programId,
    userId,
    request: { requestId, fingerprint: `fp:allocate:${coins}` },
    reads: {
      at: READ_AT,
      usageKeys: options.usageKey === undefined ? [] : [options.usageKey],
      requestIds: [],
      lotIds: [],
      ...(budget === undefined ? {} : { budgetEventId: budget.eventId }),
    },
    decide(snapshot) {
      const left =
        budget === undefined
          ? coins
          : Math.max(0, budget.limit - Number(snapshot.budgetUsed ?? "0"));
      const earned = Math.min(coins, left);
      const id = snapshot.nextLotId;
      const at = T0 + id;
      const lot: Lot = {
        id,
        coins: String(earned),
        remaining: String(earned),
        earnedAt: at,
        availableAt: at,
        expiresAt: options.expiresAt ?? null,
        eventId: budget?.eventId ?? null,
        requestId,
      };
      const balance = booked(snapshot) + earned;
      const result = { lotId: id, coins: earned, balance };
      const usage: Record<string, string> = {};
      if (options.usageKey !== undefined) {
        usage[options.usageKey] = String(Number(snapshot.usage[options.usageKey] ?? "0") + earned);
      }
      return {
        result,
        change: {
          lots: earned > 0 ? [lot] : [],
          totals: totalsAfter(snapshot, earned),
          debt: snapshot.debt,
          nextLotId: earned > 0 ? id + 1 : id,
          nextEntrySeq: snapshot.nextEntrySeq + 1,
          entries: [
            {
              seq: snapshot.nextEntrySeq,
              type: "earn",
              coins: String(earned),
              balanceAfter: String(balance),
              debtAfter: snapshot.debt,
              requestId,
              lots: earned > 0 ? [{ lotId: id, coins: String(earned) }] : [],
              eventId: budget?.eventId ?? null,
              at,
              reason: null,
            },
          ],
          usage,
          requests: [
            record(snapshot, requestId, "allocate", earned, result, {
              lotId: earned > 0 ? id : null,
            }),
          ],
          ...(budget === undefined || earned === 0
            ? {}
            : {
                budget: {
                  eventId: budget.eventId,
                  add: String(earned),
                  limit: String(budget.limit),
                },
              }),
        },
      };
    },
  };
}

function fifo(a: Lot, b: Lot): number {
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  return ea - eb || a.earnedAt - b.earnedAt || a.id - b.id;
}

/** Spend `coins` FIFO; throws INSUFFICIENT_COINS when the account holds fewer. */
export function redeem(
  programId: string,
  userId: string,
  requestId: string,
  coins: number,
): AccountCommand<{ coins: number; balance: number; lots: { lotId: number; coins: string }[] }> {
  return {
    programId,
    userId,
    request: { requestId, fingerprint: `fp:redeem:${coins}` },
    reads: { ...NO_READS, spend: String(coins) },
    decide(snapshot) {
      const available = booked(snapshot);
      if (available < coins) {
        throw new CoinageError("INSUFFICIENT_COINS", {
          userId,
          available: String(available),
          requested: String(coins),
        });
      }
      let missing = coins;
      const lots: Lot[] = [];
      const parts: { lotId: number; coins: string }[] = [];
      for (const lot of [...snapshot.lots].filter((l) => Number(l.remaining) > 0).sort(fifo)) {
        if (missing === 0) break;
        const take = Math.min(missing, Number(lot.remaining));
        missing -= take;
        lots.push({ ...lot, remaining: String(Number(lot.remaining) - take) });
        parts.push({ lotId: lot.id, coins: String(take) });
      }
      const balance = available - coins;
      const result = { coins, balance, lots: parts };
      return {
        result,
        change: {
          lots,
          totals: totalsAfter(snapshot, -coins),
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq + 1,
          entries: [
            {
              seq: snapshot.nextEntrySeq,
              type: "redeem",
              coins: String(-coins),
              balanceAfter: String(balance),
              debtAfter: snapshot.debt,
              requestId,
              lots: parts,
              eventId: null,
              at: T0 + snapshot.nextEntrySeq,
              reason: null,
            },
          ],
          usage: {},
          requests: [record(snapshot, requestId, "redeem", coins, result, { parts })],
        },
      };
    },
  };
}

/** A command whose decide always throws. */
export function failing(
  programId: string,
  userId: string,
  requestId: string,
): AccountCommand<never> {
  return {
    programId,
    userId,
    request: { requestId, fingerprint: "fp:failing" },
    reads: NO_READS,
    decide() {
      throw new CoinageError("INVALID_INPUT", {
        issues: [{ path: "coins", message: "always fails" }],
      });
    },
  };
}

/** The booked balance of an account as a store reports it. */
export function balanceOf(snapshot: AccountSnapshot): number {
  return booked(snapshot);
}

export interface SeedLot {
  readonly coins: number;
  /** Defaults to `coins`. */
  readonly remaining?: number;
  readonly earnedAt: number;
  readonly availableAt: number;
  readonly expiresAt: number | null;
}

/**
 * Write the given lots into an account as they are (ids from `nextLotId`),
 * with totals computed from all of them at `asOf`: what any core would have
 * left behind. For tests of what the store reads.
 */
export function seed(
  programId: string,
  userId: string,
  requestId: string,
  lots: readonly SeedLot[],
  asOf: number,
): AccountCommand<Lot[]> {
  return {
    programId,
    userId,
    request: { requestId, fingerprint: "fp:seed" },
    reads: { at: asOf, usageKeys: [], requestIds: [], lotIds: [] },
    decide(snapshot) {
      const made: Lot[] = lots.map((lot, i) => ({
        id: snapshot.nextLotId + i,
        coins: String(lot.coins),
        remaining: String(lot.remaining ?? lot.coins),
        earnedAt: lot.earnedAt,
        availableAt: lot.availableAt,
        expiresAt: lot.expiresAt,
        eventId: null,
        requestId,
        expired: "0",
        shortfall: "0",
      }));
      const open = made.filter((lot) => Number(lot.remaining) > 0);
      const sum = (list: readonly Lot[]) => list.reduce((n, lot) => n + Number(lot.remaining), 0);
      const changes = open
        .flatMap((lot) => [lot.availableAt, lot.expiresAt ?? Number.POSITIVE_INFINITY])
        .filter((at) => at > asOf);
      const next = Math.min(...changes);
      return {
        result: made,
        change: {
          lots: made,
          totals: {
            open: String(Number(snapshot.totals.open) + sum(open)),
            pending: String(sum(open.filter((lot) => lot.availableAt > asOf))),
            asOf,
            nextChangeAt: Number.isFinite(next) ? next : null,
          },
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId + made.length,
          nextEntrySeq: snapshot.nextEntrySeq,
          entries: [],
          usage: {},
          requests: [record(snapshot, requestId, "adjust", sum(open), made)],
        },
      };
    },
  };
}
