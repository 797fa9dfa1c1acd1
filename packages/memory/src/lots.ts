/**
 * One account's lots, indexed so that a read costs what it selects, not what
 * the account holds: every lot by id, and the open ones in FIFO order and by
 * `availableAt`. `select` is the rule of `AccountSnapshot.lots` (the same as
 * core's `selectLots`) over these indexes.
 */
import {
  type AccountReads,
  addDecimalStrings,
  compareSpendOrder,
  isExpired,
  isOpenLot,
  type Lot,
  spendReach,
} from "@coinage/core";
import { firstAbove, insertSorted, replaceSorted } from "./sorted.js";

/** Open lots by `availableAt`, ties by id: a total order. */
function compareAvailability(a: Lot, b: Lot): number {
  return a.availableAt - b.availableAt || a.id - b.id;
}

const availableAt = (lot: Lot) => lot.availableAt;
/** The FIFO order's expiry: never-expiring lots last. */
const expiryKey = (lot: Lot) => lot.expiresAt ?? Number.POSITIVE_INFINITY;

export class LotIndex {
  /** Every lot, open or closed: closed ones stay for reversals that restore into them. */
  readonly #byId = new Map<number, Lot>();
  /** Open lots in FIFO order: lots past their expiry (not swept yet) first, never-expiring last. */
  readonly #fifo: Lot[] = [];
  /** Open lots by `availableAt`. */
  readonly #byAvailability: Lot[] = [];

  /** The lot's new state (a new lot, or a changed one with the same dates). */
  put(lot: Lot): void {
    const old = this.#byId.get(lot.id);
    this.#byId.set(lot.id, lot);
    const open = isOpenLot(lot) ? lot : undefined;
    if (old !== undefined && isOpenLot(old)) {
      replaceSorted(this.#fifo, old, open, compareSpendOrder);
      replaceSorted(this.#byAvailability, old, open, compareAvailability);
    } else if (open !== undefined) {
      insertSorted(this.#fifo, open, compareSpendOrder);
      insertSorted(this.#byAvailability, open, compareAvailability);
    }
  }

  /** The open lots with `now < expiresAt <= before`: their remaining coins and earliest expiry. */
  expiringWithin(now: number, before: number): { coins: string; next: number | null } {
    const fifo = this.#fifo;
    let coins = "0";
    let next: number | null = null;
    for (let i = firstAbove(fifo, now, expiryKey); i < fifo.length; i++) {
      const lot = fifo[i] as Lot;
      if (lot.expiresAt === null || lot.expiresAt > before) break;
      next ??= lot.expiresAt;
      coins = addDecimalStrings(coins, lot.remaining);
    }
    return { coins, next };
  }

  /** Remaining coins of the open lots pending at `at` (`availableAt > at`). */
  pendingCoins(at: number): string {
    const byAvailability = this.#byAvailability;
    let coins = "0";
    for (let i = firstAbove(byAvailability, at, availableAt); i < byAvailability.length; i++)
      coins = addDecimalStrings(coins, (byAvailability[i] as Lot).remaining);
    return coins;
  }

  /** Remaining coins of the open lots expired at `at` (`expiresAt <= at`): a prefix of the FIFO order. */
  dueCoins(at: number): string {
    const fifo = this.#fifo;
    let coins = "0";
    for (let i = 0; i < fifo.length && isExpired(fifo[i] as Lot, at); i++)
      coins = addDecimalStrings(coins, (fifo[i] as Lot).remaining);
    return coins;
  }

  /** The latest `availableAt` of an open lot (`null`: no open lot). */
  lastActivation(): number | null {
    return this.#byAvailability.at(-1)?.availableAt ?? null;
  }

  /** The earliest expiry of an open lot (`null`: none expires). */
  earliestExpiry(): number | null {
    return this.#fifo[0]?.expiresAt ?? null;
  }

  /** The lots a snapshot read with `reads` holds, sorted by id (see `AccountSnapshot.lots`). */
  select(reads: AccountReads, asOf: number): Lot[] {
    const at = reads.at;
    const fifo = this.#fifo;
    const byAvailability = this.#byAvailability;
    const picked: Lot[] = [];
    for (const id of reads.lotIds) {
      const lot = this.#byId.get(id);
      if (lot !== undefined) picked.push(lot);
    }
    // Due lots: the FIFO order starts with them.
    let live = 0;
    while (live < fifo.length && isExpired(fifo[live] as Lot, at)) picked.push(fifo[live++] as Lot);
    // The next-expiry group follows them.
    const nextExpiry = fifo[live]?.expiresAt ?? null;
    if (nextExpiry !== null) {
      for (let i = live; i < fifo.length && (fifo[i] as Lot).expiresAt === nextExpiry; i++)
        picked.push(fifo[i] as Lot);
    }
    // Activated lots: pending at one of `asOf` and `at`, not at the other.
    const high = Math.max(asOf, at);
    for (
      let i = firstAbove(byAvailability, Math.min(asOf, at), availableAt);
      i < byAvailability.length && (byAvailability[i] as Lot).availableAt <= high;
      i++
    )
      picked.push(byAvailability[i] as Lot);
    // The next activation.
    const next = byAvailability[firstAbove(byAvailability, at, availableAt)];
    if (next !== undefined) picked.push(next);
    // Spend lots.
    if (reads.spend !== undefined) {
      const end = spendReach(fifo, live, at, reads.spend);
      for (let i = live; i < end; i++) picked.push(fifo[i] as Lot);
    }
    if (picked.length < 2) return picked;
    picked.sort((a, b) => a.id - b.id);
    const lots: Lot[] = [];
    for (const lot of picked) if (lots[lots.length - 1]?.id !== lot.id) lots.push(lot);
    return lots;
  }
}
