/**
 * What the harness reads and writes below the engine, through the store
 * contract: every open lot of an account (to check it, or to plan over it),
 * and the totals a command it builds itself must hand the store.
 */
import type { AccountReads, AccountTotals, Lot, Store } from "@coinage/core";

/** More coins than any benchmark account holds: reading lots "to spend" this much reads all of them. */
const EVERYTHING = `1${"0".repeat(30)}`;

/** Reads that bring every open lot spendable at `at` into the snapshot, and nothing else. */
export function everyOpenLot(at: number): AccountReads {
  return { at, spend: EVERYTHING, usageKeys: [], requestIds: [], lotIds: [] };
}

/** The account's open lots (remaining > 0) spendable now: every one, on the benchmarks' accounts. */
export async function openLots(store: Store, programId: string, userId: string): Promise<Lot[]> {
  const snapshot = await store.loadAccount(programId, userId, everyOpenLot(Date.now()));
  return snapshot.lots.filter((lot) => BigInt(lot.remaining) > 0n);
}

/** The totals of an account whose open lots (after a change) are exactly `lots`, at `at`. */
export function totalsOf(lots: readonly Lot[], at: number): AccountTotals {
  let open = 0n;
  let pending = 0n;
  let nextChangeAt: number | null = null;
  const later = (instant: number | null) => {
    if (instant !== null && instant > at && (nextChangeAt === null || instant < nextChangeAt))
      nextChangeAt = instant;
  };
  for (const lot of lots) {
    const remaining = BigInt(lot.remaining);
    if (remaining <= 0n) continue;
    open += remaining;
    if (lot.availableAt > at) pending += remaining;
    later(lot.availableAt);
    later(lot.expiresAt);
  }
  return { open: open.toString(), pending: pending.toString(), asOf: at, nextChangeAt };
}
