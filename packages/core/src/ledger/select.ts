/**
 * Which lots a snapshot holds for a read: the rule of `AccountSnapshot.lots`,
 * over a full set of lots. Stores that keep an account's open lots in memory
 * (the memory store, the batch paths that decide several commands on one
 * account) pick with it, so every store shows a command the same lots.
 */
import { compareSpendOrder, isExpired, isPending, spendReach } from "./fifo.js";
import { isOpenLot } from "./lot.js";
import type { AccountReads, Lot } from "./types.js";

/**
 * The lots a snapshot read with `reads` holds, sorted by id. `lots` holds
 * every open lot of the account (closed ones are picked only when asked for
 * by id); `asOf` is the instant of the account's totals.
 */
export function selectLots(lots: Iterable<Lot>, reads: AccountReads, asOf: number): Lot[] {
  const at = reads.at;
  const asked = new Set(reads.lotIds);
  const picked = new Map<number, Lot>();
  const live: Lot[] = [];
  let activation: Lot | undefined;
  for (const lot of lots) {
    if (asked.has(lot.id)) picked.set(lot.id, lot);
    if (!isOpenLot(lot)) continue;
    if (isExpired(lot, at) || isPending(lot, asOf) !== isPending(lot, at)) picked.set(lot.id, lot);
    if (!isExpired(lot, at)) live.push(lot);
    if (
      isPending(lot, at) &&
      (activation === undefined ||
        lot.availableAt < activation.availableAt ||
        (lot.availableAt === activation.availableAt && lot.id < activation.id))
    )
      activation = lot;
  }
  if (activation !== undefined) picked.set(activation.id, activation);
  live.sort(compareSpendOrder);
  const nextExpiry = live[0]?.expiresAt ?? null;
  if (nextExpiry !== null) {
    for (const lot of live) {
      if (lot.expiresAt !== nextExpiry) break;
      picked.set(lot.id, lot);
    }
  }
  if (reads.spend !== undefined) {
    const end = spendReach(live, 0, at, reads.spend);
    for (let i = 0; i < end; i++) picked.set((live[i] as Lot).id, live[i] as Lot);
  }
  return [...picked.values()].sort((a, b) => a.id - b.id);
}
