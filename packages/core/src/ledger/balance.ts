/**
 * Balance at an instant, exact at read time: a lot past its expiry counts
 * for nothing whether or not a sweep has written its `expire` entry.
 *
 * It starts from the account's totals, not from a sum over its open lots,
 * and corrects them with the few lots whose state differs between the
 * totals' instant and the balance's: the due lots (expired by then), the
 * activated ones (pending at one instant and not at the other), and the
 * next-expiry group for `nextExpiry`. A snapshot read at that instant holds
 * all of them (see `AccountSnapshot.lots`); more lots change nothing.
 */
import { Dec, ZERO } from "../money/decimal.js";
import { isExpired, isPending } from "./fifo.js";
import { isOpenLot } from "./lot.js";
import type { AccountSnapshot, Lot } from "./types.js";

export interface BalanceFigures {
  readonly available: Dec;
  readonly pending: Dec;
  readonly debt: Dec;
  readonly nextExpiry: { readonly at: number; readonly coins: Dec } | null;
}

/** Open and pending coins kept at `asOf` (the totals, as decimals). */
export interface Counted {
  readonly open: Dec;
  readonly pending: Dec;
  readonly asOf: number;
}

/** The balance at `at` from what is counted at `asOf` and the lots a snapshot read at `at` holds. */
export function balanceFrom(
  counted: Counted,
  lots: Iterable<Lot>,
  debt: Dec,
  at: number,
  remainingOf: (lot: Lot) => Dec = (lot) => new Dec(lot.remaining),
): BalanceFigures {
  let open = counted.open;
  let pending = counted.pending;
  let nextAt: number | null = null;
  let nextCoins = ZERO;
  for (const lot of lots) {
    if (!isOpenLot(lot)) continue;
    const expired = isExpired(lot, at);
    const wasPending = isPending(lot, counted.asOf);
    const pendingNow = !expired && isPending(lot, at);
    const expiry = lot.expiresAt;
    const next = !expired && expiry !== null && (nextAt === null || expiry <= nextAt);
    if (!expired && wasPending === pendingNow && !next) continue;
    const remaining = remainingOf(lot);
    if (expired) open = open.minus(remaining);
    if (wasPending !== pendingNow)
      pending = pendingNow ? pending.plus(remaining) : pending.minus(remaining);
    if (next) {
      if (expiry === nextAt) nextCoins = nextCoins.plus(remaining);
      else {
        nextAt = expiry;
        nextCoins = remaining;
      }
    }
  }
  return {
    available: open.minus(pending),
    pending,
    debt,
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins },
  };
}

/** The balance of a snapshot at `at`; the snapshot must have been read at `at`. */
export function balanceAt(
  snapshot: Pick<AccountSnapshot, "totals" | "lots" | "debt">,
  at: number,
): BalanceFigures {
  const { totals } = snapshot;
  return balanceFrom(
    { open: new Dec(totals.open), pending: new Dec(totals.pending), asOf: totals.asOf },
    snapshot.lots,
    new Dec(snapshot.debt),
    at,
  );
}

/**
 * The balance at a past instant `at` from a snapshot read now (with
 * `reads.at = at`) and the remaining coins each lot moved since `at` had
 * then (`then`, by lot id; 0 for a lot created since). A lot no entry moved
 * since `at` had then what it has now; the snapshot's totals count those,
 * corrected as `balanceFrom` does, once the moved lots' current coins are
 * taken out. The moved lots count with their coins of then: nothing if
 * expired by `at`, pending if they were not available yet. `debt` is the
 * debt after the last entry at or before `at`.
 *
 * For `nextExpiry` the snapshot must hold, besides the moved lots, the
 * earliest-expiring group of the lots not moved: read it with `spend` set
 * to the moved lots' spendable coins at `at` (see `AccountSnapshot.lots`).
 */
export function balanceThen(
  snapshot: Pick<AccountSnapshot, "totals" | "lots">,
  then: ReadonlyMap<number, Dec>,
  debt: Dec,
  at: number,
): BalanceFigures {
  const { totals } = snapshot;
  let open = new Dec(totals.open);
  let pending = new Dec(totals.pending);
  const untouched: Lot[] = [];
  const moved: Lot[] = [];
  for (const lot of snapshot.lots) {
    if (!then.has(lot.id)) {
      untouched.push(lot);
      continue;
    }
    moved.push(lot);
    if (!isOpenLot(lot)) continue;
    const remaining = new Dec(lot.remaining);
    open = open.minus(remaining);
    if (isPending(lot, totals.asOf)) pending = pending.minus(remaining);
  }
  const rest = balanceFrom({ open, pending, asOf: totals.asOf }, untouched, ZERO, at);
  let available = rest.available;
  pending = rest.pending;
  let nextAt = rest.nextExpiry?.at ?? null;
  let nextCoins = rest.nextExpiry?.coins ?? ZERO;
  for (const lot of moved) {
    const remaining = then.get(lot.id) as Dec;
    if (remaining.lte(0) || isExpired(lot, at)) continue;
    if (isPending(lot, at)) pending = pending.plus(remaining);
    else available = available.plus(remaining);
    const expiry = lot.expiresAt;
    if (expiry === null || (nextAt !== null && expiry > nextAt)) continue;
    if (expiry === nextAt) nextCoins = nextCoins.plus(remaining);
    else {
      nextAt = expiry;
      nextCoins = remaining;
    }
  }
  return {
    available,
    pending,
    debt,
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins },
  };
}
