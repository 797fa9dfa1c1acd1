/**
 * A change being decided for one account. It starts from a snapshot and
 * accumulates lot updates and history entries; `toChange()` hands the
 * result to the store. Lives only inside one pure `decide` call.
 *
 * It keeps the account's totals exact at its instant through every lot
 * movement, so the booked balance and the balance it returns never need a
 * sum over all open lots: the snapshot holds only the lots the command needs.
 */
import { dictionary } from "../dictionary.js";
import { Dec, ZERO } from "../money/decimal.js";
import { type BalanceFigures, balanceFrom } from "./balance.js";
import { isPending } from "./fifo.js";
import { expiredOf, shortfallOf } from "./lot.js";
import { nextChangeBound, pendingAt } from "./totals.js";
import type {
  AccountChange,
  AccountSnapshot,
  Entry,
  EntryType,
  Lot,
  LotMovement,
  RequestRecord,
} from "./types.js";

/** Signed changes to a lot's counters; absent = no change. */
export interface LotDelta {
  readonly remaining?: Dec;
  readonly expired?: Dec;
  readonly shortfall?: Dec;
}

export class AccountDraft {
  readonly at: number;
  readonly snapshot: AccountSnapshot;
  readonly #lots = new Map<number, Lot>();
  /** The lots as the snapshot holds them: what an entry records as a lot's `before`. */
  readonly #before = new Map<number, string>();
  /** `remaining` of the lots read so far, by lot state: each is parsed once. */
  readonly #remaining = new Map<Lot, Dec>();
  readonly #changedLots = new Set<number>();
  readonly #entries: Entry[] = [];
  readonly #usage: Record<string, string> = dictionary();
  readonly #requests: RequestRecord[] = [];
  #debt: Dec;
  /** Remaining coins of all open lots, at `at` (expired ones not swept yet included). */
  #open: Dec;
  /** Of `#open`, the coins of lots pending at `at`. */
  #pending: Dec;
  #nextLotId: number;
  #nextEntrySeq: number;
  #budget: AccountChange["budget"];

  constructor(snapshot: AccountSnapshot, at: number) {
    this.snapshot = snapshot;
    this.at = at;
    for (const lot of snapshot.lots) {
      this.#lots.set(lot.id, lot);
      this.#before.set(lot.id, lot.remaining);
    }
    this.#debt = new Dec(snapshot.debt);
    this.#open = new Dec(snapshot.totals.open);
    this.#pending = pendingAt(snapshot.totals, snapshot.lots, at);
    this.#nextLotId = snapshot.nextLotId;
    this.#nextEntrySeq = snapshot.nextEntrySeq;
  }

  get debt(): Dec {
    return this.#debt;
  }

  set debt(value: Dec) {
    this.#debt = value;
  }

  lots(): Lot[] {
    return [...this.#lots.values()];
  }

  lot(id: number): Lot | undefined {
    return this.#lots.get(id);
  }

  newLotId(): number {
    const id = this.#nextLotId;
    this.#nextLotId += 1;
    return id;
  }

  /** A lot's remaining coins as a decimal. */
  readonly remainingOf = (lot: Lot): Dec => {
    let remaining = this.#remaining.get(lot);
    if (remaining === undefined) {
      remaining = new Dec(lot.remaining);
      this.#remaining.set(lot, remaining);
    }
    return remaining;
  };

  /** Book a new lot (its id from `newLotId()`) holding `remaining`, its `remaining` as a decimal. */
  addLot(lot: Lot, remaining: Dec): void {
    if (this.#lots.has(lot.id)) throw new Error(`lot ${lot.id} exists already`);
    this.#remaining.set(lot, remaining);
    this.#put(lot, remaining);
  }

  /** Store `lot` and count `added` (signed) more remaining coins in the totals. */
  #put(lot: Lot, added: Dec): void {
    this.#lots.set(lot.id, lot);
    this.#changedLots.add(lot.id);
    if (added.isZero()) return;
    this.#open = this.#open.plus(added);
    if (isPending(lot, this.at)) this.#pending = this.#pending.plus(added);
  }

  /** Add `delta` (signed) to a lot's remaining coins. */
  moveLot(id: number, delta: Dec): Lot {
    return this.changeLot(id, { remaining: delta });
  }

  /** Add signed deltas to a lot's remaining, expired and shortfall coins. */
  changeLot(id: number, delta: LotDelta): Lot {
    const lot = this.#lots.get(id);
    if (lot === undefined) throw new Error(`lot ${id} is not in the snapshot`);
    const remaining =
      delta.remaining === undefined ? undefined : this.remainingOf(lot).plus(delta.remaining);
    const next: Lot = {
      id: lot.id,
      coins: lot.coins,
      remaining: remaining === undefined ? lot.remaining : remaining.toFixed(),
      earnedAt: lot.earnedAt,
      availableAt: lot.availableAt,
      expiresAt: lot.expiresAt,
      eventId: lot.eventId,
      requestId: lot.requestId,
      expired:
        delta.expired === undefined
          ? (lot.expired ?? "0")
          : expiredOf(lot).plus(delta.expired).toFixed(),
      shortfall:
        delta.shortfall === undefined
          ? (lot.shortfall ?? "0")
          : shortfallOf(lot).plus(delta.shortfall).toFixed(),
    };
    if (remaining !== undefined) this.#remaining.set(next, remaining);
    this.#put(next, delta.remaining ?? ZERO);
    return next;
  }

  /** Remaining coins of every lot minus debt: what the history sums to. */
  booked(): Dec {
    return this.#open.minus(this.#debt);
  }

  /** The balance at the draft's instant, as the change leaves it. */
  balance(): BalanceFigures {
    return balanceFrom(
      { open: this.#open, pending: this.#pending, asOf: this.at },
      this.#lots.values(),
      this.#debt,
      this.at,
      this.remainingOf,
    );
  }

  entry(
    type: EntryType,
    coins: Dec,
    fields: {
      readonly requestId: string | null;
      readonly lots: readonly LotMovement[];
      readonly eventId?: string | null;
      readonly reason?: string | null;
    },
  ): Entry {
    const entry: Entry = {
      seq: this.#nextEntrySeq,
      type,
      coins: coins.toFixed(),
      balanceAfter: this.booked().toFixed(),
      debtAfter: this.#debt.toFixed(),
      requestId: fields.requestId,
      lots: fields.lots.map((move) => ({
        lotId: move.lotId,
        coins: move.coins,
        before: this.#before.get(move.lotId) ?? "0",
      })),
      eventId: fields.eventId ?? null,
      at: this.at,
      reason: fields.reason ?? null,
    };
    this.#nextEntrySeq += 1;
    this.#entries.push(entry);
    return entry;
  }

  setUsage(key: string, value: Dec): void {
    this.#usage[key] = value.toFixed();
  }

  putRequest(record: RequestRecord): void {
    this.#requests.push(record);
  }

  addToBudget(eventId: string, add: Dec, limit: Dec): void {
    this.#budget = { eventId, add: add.toFixed(), limit: limit.toFixed() };
  }

  /** Give `coins` back to an event's budget counter (the store keeps it at 0 or above). */
  giveBackBudget(eventId: string, coins: Dec): void {
    this.#budget = { eventId, add: coins.neg().toFixed(), limit: "0" };
  }

  entries(): readonly Entry[] {
    return this.#entries;
  }

  toChange(): AccountChange {
    const lots = [...this.#changedLots]
      .sort((a, b) => a - b)
      .map((id) => this.#lots.get(id) as Lot);
    return {
      lots,
      totals: {
        open: this.#open.toFixed(),
        pending: this.#pending.toFixed(),
        asOf: this.at,
        nextChangeAt: nextChangeBound(this.snapshot.lots, this.#lots.values(), this.at),
      },
      debt: this.#debt.toFixed(),
      nextLotId: this.#nextLotId,
      nextEntrySeq: this.#nextEntrySeq,
      entries: this.#entries,
      usage: this.#usage,
      requests: this.#requests,
      ...(this.#budget === undefined ? {} : { budget: this.#budget }),
    };
  }
}
