/**
 * Hand-written `decide` functions: a tiny whole-coin ledger that lets the
 * store be tested without the engine. Allocations create a lot; redemptions
 * consume lots FIFO (earliest expiry, then earliest earned, then lot id).
 */
import {
  type AccountCommand,
  type AccountSnapshot,
  CoinageError,
  type Lot,
  type RequestRecord,
} from "@coinage/core";

export const NO_READS = { usageKeys: [], requestIds: [], lotIds: [] } as const;

const T0 = 1_700_000_000_000;

function booked(snapshot: AccountSnapshot): number {
  return snapshot.lots.reduce((sum, lot) => sum + Number(lot.remaining), 0) - Number(snapshot.debt);
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
    reads: NO_READS,
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
