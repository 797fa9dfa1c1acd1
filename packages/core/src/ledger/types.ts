/**
 * The ledger's records. Times are epoch milliseconds; coins are decimal
 * strings at the program's coin scale. These are what a `Store` persists.
 */

/** What one allocation (or positive adjustment) created. */
export interface Lot {
  /** Unique within the account, increasing in creation order (FIFO tie-break). */
  readonly id: number;
  /** Coins earned into the lot; `remaining` starts lower when part of them paid off debt. */
  readonly coins: string;
  /** Coins still in the lot. 0 means the lot is closed: spent, expired or reversed. */
  readonly remaining: string;
  readonly earnedAt: number;
  /** Before this instant the lot is pending: it counts, but cannot be spent. */
  readonly availableAt: number;
  /** From this instant the lot counts for nothing; `null` = never expires. */
  readonly expiresAt: number | null;
  readonly eventId: string | null;
  readonly requestId: string | null;
  /**
   * Coins of this lot that expired: swept at expiry, or restored into it after
   * its expiry (they expire at once). A reversal of the allocation never takes
   * these back. Absent on lots stored before the field existed: read as 0.
   */
  readonly expired?: string;
  /**
   * Coins that reversals of this lot's allocation could not take back (booked
   * as debt, or forgiven) and that restores into the lot have not repaid yet.
   * Absent on lots stored before the field existed: read as 0.
   */
  readonly shortfall?: string;
}

export type EntryType = "earn" | "redeem" | "expire" | "reverse" | "restore" | "adjust";

/** How many coins of one lot an entry moved (always positive). */
export interface LotMovement {
  readonly lotId: number;
  readonly coins: string;
}

/**
 * A lot movement as an entry stores it: with the lot's remaining coins
 * before the command that wrote the entry (`"0"` for a lot the command
 * created). The remaining coins of a lot at any instant are the `before` of
 * the first entry after that instant that moves it (or its current
 * remaining when none does): `balance(userId, { at })` walks the history
 * back to `at` with it. Entries stored before the field existed have none.
 */
export interface EntryLotMovement extends LotMovement {
  readonly before?: string;
}

/**
 * One line of the append-only history. Never updated or deleted.
 * `coins` is signed: positive for earn/restore (and positive adjust),
 * negative for redeem/expire/reverse (and negative adjust).
 */
export interface Entry {
  /** Increasing within the account, assigned under the account's lock: history pages by it. */
  readonly seq: number;
  readonly type: EntryType;
  readonly coins: string;
  /** Booked balance after this entry: remaining coins of all lots minus debt. */
  readonly balanceAfter: string;
  /** Debt after this entry. */
  readonly debtAfter: string;
  readonly requestId: string | null;
  /** The lots it moved, each with its remaining coins before the command (see `EntryLotMovement`). */
  readonly lots: readonly EntryLotMovement[];
  readonly eventId: string | null;
  readonly at: number;
  readonly reason: string | null;
}

export type RequestKind = "allocate" | "redeem" | "reverse" | "adjust";

/**
 * The idempotency record of one write, also what a reversal needs to know
 * about the request it reverses. Unique per (program, requestId).
 */
export interface RequestRecord {
  readonly requestId: string;
  readonly kind: RequestKind;
  readonly userId: string;
  /**
   * The request's normalised payload as canonical JSON (see `fingerprint`): a
   * replay with another one is a conflict. Bounded (ids, reason and decimals
   * are): a few hundred characters, a few KB at worst.
   */
  readonly fingerprint: string;
  readonly at: number;
  /** The result returned to the first caller, returned again on replay (JSON). */
  readonly result: unknown;
  /** Coins this request booked (earned for allocate, spent for redeem, moved for reverse/adjust). */
  readonly coins: string;
  /** Coins of this request reversed so far. Changes only through commits on the same account. */
  readonly reversed: string;
  /** The lot an allocation created (`null` when it earned nothing). */
  readonly lotId: number | null;
  /** The lots a redemption consumed, in consumption order. */
  readonly parts: readonly LotMovement[];
}

/**
 * Per-account totals over the open lots, kept on the account and rewritten by
 * every commit, so that a command never has to read every open lot.
 */
export interface AccountTotals {
  /** Sum of `remaining` over the open lots (remaining > 0), expired ones not yet swept included. */
  readonly open: string;
  /** Of `open`, the coins of lots still pending at `asOf` (`availableAt > asOf`). */
  readonly pending: string;
  /** The instant the totals were computed for: the last commit's instant (0 for a new account). */
  readonly asOf: number;
  /**
   * A lower bound of the instants at which an open lot expires (any
   * `expiresAt`: an open lot already past it, not swept yet, makes this
   * `<= asOf`) or becomes available (an `availableAt` after `asOf`); `null`
   * when there is none. For a read at `asOf <= at < nextChangeAt` there are no
   * due and no activated lots: the totals alone give `available` and `pending`.
   */
  readonly nextChangeAt: number | null;
}

/**
 * What a command sees of one account: its totals, and only the lots it needs.
 * A command's cost grows with the lots it touches, never with the account's
 * history or its number of open lots.
 */
export interface AccountSnapshot {
  readonly userId: string;
  /** 0 for an account that has never been written. */
  readonly version: number;
  readonly totals: AccountTotals;
  /**
   * Not every open lot: sorted by id, without duplicates, the union of
   * - the lots asked for by id in `AccountReads.lotIds` (open or closed);
   * - due lots: open, `expiresAt <= reads.at`;
   * - activated lots: open, pending at one of `totals.asOf` and `reads.at` but
   *   not at the other: `min(asOf, at) < availableAt <= max(asOf, at)`;
   * - the next-expiry group: every open lot whose `expiresAt` is the smallest one after `reads.at`;
   * - the next activation: the open lot with the smallest `availableAt` after `reads.at`
   *   (the lowest id of those);
   * - spend lots (when `reads.spend` is set): the open lots not expired at `reads.at`, in FIFO
   *   order (`compareSpendOrder`), pending ones included, up to the first at which the
   *   spendable ones among them (`availableAt <= reads.at`) hold more than `reads.spend`; then
   *   every further one with the same `expiresAt` as that last lot, when it expires. All of
   *   them when the spendable ones never hold more.
   * Lots are `open` while `remaining > 0`. `selectLots` is this rule over a full set of lots.
   * Why each is there: the balance at `reads.at` is the totals corrected by the due and the
   * activated lots, with its next expiry from the next-expiry group; the next activation and
   * the next-expiry group bound the new totals' `nextChangeAt`; and however a command spends
   * from the spend lots, an open lot with the smallest expiry after it stays among them, so
   * the balance it returns is exact too.
   */
  readonly lots: readonly Lot[];
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  /** The usage counters asked for in `AccountReads.usageKeys` (missing = 0). */
  readonly usage: Readonly<Record<string, string>>;
  /** The request records asked for in `AccountReads.requestIds` that belong to this account. */
  readonly requests: Readonly<Record<string, RequestRecord>>;
  /** What the event in `AccountReads.budgetEventId` has handed out in total (when asked). */
  readonly budgetUsed?: string;
  /**
   * The stored version of the event in `AccountReads.eventId` (when asked):
   * `null` when the program has no such event. The engine allocates from a
   * remembered copy of the event and checks it against this, so an
   * allocation needs no separate event read.
   */
  readonly eventVersion?: number | null;
}

/** What a command reads of an account. */
export interface AccountReads {
  /** The command's instant (or the balance's): see `AccountSnapshot.lots` for what it selects. */
  readonly at: number;
  /** Spendable coins the command may take (decimal string): FIFO lots are read past this. */
  readonly spend?: string;
  readonly usageKeys: readonly string[];
  readonly requestIds: readonly string[];
  readonly lotIds: readonly number[];
  readonly budgetEventId?: string;
  /** An event whose stored version the snapshot reports (`AccountSnapshot.eventVersion`). */
  readonly eventId?: string;
}

/** A decided change to one account, committed all or nothing. */
export interface AccountChange {
  /** Lots created or changed, in their full new state. */
  readonly lots: readonly Lot[];
  /** The account's totals after the change; stores persist them as given. */
  readonly totals: AccountTotals;
  readonly debt: string;
  readonly nextLotId: number;
  readonly nextEntrySeq: number;
  /** New history entries, in `seq` order. */
  readonly entries: readonly Entry[];
  /** Usage counters to set to these values. */
  readonly usage: Readonly<Record<string, string>>;
  /** Request records to insert (the command's own) or to replace (reversal progress of an earlier one). */
  readonly requests: readonly RequestRecord[];
  /**
   * Coins to add to an event's budget counter. A positive `add` spends the
   * budget: the store guarantees the total never passes `limit`. A negative
   * `add` gives coins back (a reversal): it is never refused, `limit` does not
   * apply, and the counter never goes below 0.
   */
  readonly budget?: { readonly eventId: string; readonly add: string; readonly limit: string };
}
