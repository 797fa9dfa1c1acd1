import type { ProgramTally } from "./ledger/tally.js";
import type {
  AccountChange,
  AccountReads,
  AccountSnapshot,
  Entry,
  RequestRecord,
} from "./ledger/types.js";
import type { CoinEvent } from "./rules/types.js";

/**
 * One command on one account: the store loads the account's snapshot (what
 * `reads` names: see `AccountSnapshot`), `decide` computes the change purely,
 * and the store commits it.
 */
export interface AccountCommand<T> {
  readonly programId: string;
  readonly userId: string;
  /**
   * The idempotency claim. When a record with this `requestId` already exists
   * in the program, the store does not call `decide` and answers `replayed`
   * with that record. The record to insert is the one in
   * `change.requests` with the same `requestId`.
   */
  readonly request?: { readonly requestId: string; readonly fingerprint: string };
  /** What the command reads: its instant, the coins it may spend, the lots, counters and records it names. */
  readonly reads: AccountReads;
  /**
   * Pure. May be called more than once (a store that retries on a version
   * conflict calls it again with a fresh snapshot). May throw a
   * `CoinageError`: the store then writes nothing and rethrows it.
   */
  decide(snapshot: AccountSnapshot): { readonly change: AccountChange; readonly result: T };
}

/** One account of `Store.listExpiring`. */
export interface ExpiringAccount {
  readonly userId: string;
  /** The earliest `expiresAt` among the account's open lots: the page order. */
  readonly earliest: number;
  /** Remaining coins of its open lots with `now < expiresAt <= before`. */
  readonly coins: string;
  /** The earliest `expiresAt` of those lots; `null` when there are none. */
  readonly next: number | null;
}

/** A page of `Store.listExpiring`: accounts after `after` in (earliest, userId) order. */
export interface ExpiringPage {
  readonly now: number;
  readonly before: number;
  readonly limit: number;
  readonly after?: { readonly earliest: number; readonly userId: string };
}

/** One entry of `Store.readFeed`: where it stands in the program's feed, and whose it is. */
export interface FeedItem {
  /** Opaque, chosen by the store; pass it back as `after` to read what follows. */
  readonly position: string;
  readonly userId: string;
  readonly entry: Entry;
}

/** A page of `Store.readFeed`. */
export interface FeedPage {
  readonly items: readonly FeedItem[];
  /** Where the next page starts: the last item's position; with no items, the `after` asked (or `null`). */
  readonly next: string | null;
}

/** What `Store.readLiability` answers: the program's totals, and its open lots' state at an instant. */
export interface LiabilityFigures {
  /** The sum of `tallyOf(snapshot, change)` over every commit of the program. */
  readonly tally: ProgramTally;
  /** Remaining coins of open lots still pending at `at` (`availableAt > at`). */
  readonly pending: string;
  /** Remaining coins of open lots expired at `at` (`expiresAt <= at`) that no sweep has written off yet. */
  readonly due: string;
}

export type ExecuteOutcome<T> =
  | { readonly status: "committed"; readonly result: T }
  | { readonly status: "replayed"; readonly record: RequestRecord };

/** What `Store.executeTogether` answers. */
export type GroupOutcome<T> =
  | { readonly status: "committed"; readonly results: readonly T[] }
  /** Some command's request id was booked already: nothing written; the records found, by request id. */
  | { readonly status: "replayed"; readonly records: Readonly<Record<string, RequestRecord>> };

export type BatchOutcome<T> =
  | ExecuteOutcome<T>
  | { readonly status: "failed"; readonly error: unknown };

/**
 * Where coinage keeps its state. All rule logic lives in core; a store only
 * persists, and guarantees atomicity per account.
 *
 * The contract, in plain words:
 * - **Scope.** Every method takes a program id; nothing one program writes is
 *   ever visible to, or changed by, a call for another program.
 * - **Atomicity.** `execute` commits a command's whole change or nothing. If
 *   `decide` throws, or the store fails, nothing of the command is written.
 * - **Isolation.** Commands on one account are serialised: when several run
 *   at once, each `decide` sees a snapshot that includes every change
 *   committed before its own commit, so two commands never both succeed on
 *   stale state (lock the account, or check `version` and call `decide`
 *   again).
 * - **Idempotency.** Under concurrent calls with the same `requestId`, exactly
 *   one commits; every other answers `replayed` with the committed record.
 *   A command whose `decide` threw leaves no record and does not bind its
 *   `requestId`: it may be retried, and the id used by another user or
 *   payload.
 * - **Budgets.** When a change carries `budget` with a positive `add`, the
 *   event's budget counter after the commit never exceeds `limit`, however
 *   many accounts allocate at once; if it would, the store calls `decide`
 *   again with a fresh `budgetUsed`. A negative `add` (a reversal giving
 *   coins back) is never refused and never takes the counter below 0
 *   (`budgetAfter`); a store that cannot apply it atomically with the
 *   account applies it after the commit, never before.
 * - **Event versions.** With `reads.eventId`, the snapshot's `eventVersion`
 *   is the version of that event as stored (`null` when there is none), read
 *   no earlier than the command started: the engine decides allocations with
 *   a remembered event and discards the decision when the versions differ.
 *   A store that leaves it `undefined` makes the engine read the event before
 *   every allocation instead.
 * - **Lots.** A store persists every field of a `Lot`, `expired` and
 *   `shortfall` included; a lot stored without them reads them as `"0"`.
 * - **Totals.** A store persists a change's `totals` as given, with the
 *   account, and hands them back in every snapshot (`emptySnapshot`'s for an
 *   account never written).
 * - **Reads.** A snapshot holds exactly the lots `AccountSnapshot.lots`
 *   names for the command's `reads`, nothing more: the lots asked for by id,
 *   the due and activated ones, the next-expiry group and activation, and
 *   with `reads.spend` the open lots in FIFO order up to where they cover it.
 *   `selectLots` is that rule over a full set of lots, for stores that hold
 *   one in memory (`snapshotFor` applies it to batches).
 * - **Cost.** `loadAccount` and `execute` cost grows with the lots a command
 *   touches, never with the account's history or its number of open lots:
 *   keep open lots indexed by FIFO order (`expiresAt`, never-expiring last,
 *   then `earnedAt`, id) and by `availableAt`, and read ranges of them.
 * - **History.** Entries are append-only; `history` pages them by `seq`,
 *   newest first, as they were given: every field of their lot movements
 *   included (`before`, which past balances are computed from).
 * - **Failures.** A store that cannot reach its backend, or times out, throws
 *   `CoinageError("STORE_UNAVAILABLE")` with the cause: the engine passes it
 *   on as the one code a caller may retry. Anything else a store throws that
 *   is not a `CoinageError` reaches the caller as `INTERNAL`.
 * - **Ids.** Ids are any strings, `__proto__` and `constructor` included:
 *   snapshot maps (`usage`, `requests`) hold them as own properties (build
 *   them without a prototype), and core reads only own properties.
 */
export interface Store {
  /** A short name for messages and test titles, e.g. `"memory"`. */
  readonly name: string;

  /** Insert a new event; `false` when one with the same id exists in the program. */
  insertEvent(programId: string, event: CoinEvent): Promise<boolean>;
  /** Replace an event if its stored version is `expectedVersion`; `false` otherwise (or when missing). */
  replaceEvent(programId: string, event: CoinEvent, expectedVersion: number): Promise<boolean>;
  getEvent(programId: string, eventId: string): Promise<CoinEvent | null>;
  /** Events ordered by id, starting after `after` when given. */
  listEvents(
    programId: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<CoinEvent[]>;

  /** The request record with this id in the program, or `null`. */
  findRequest(programId: string, requestId: string): Promise<RequestRecord | null>;

  /**
   * A consistent snapshot of one account, holding what `reads` names (an
   * empty one, version 0, if it was never written).
   */
  loadAccount(programId: string, userId: string, reads: AccountReads): Promise<AccountSnapshot>;

  /** Run one command atomically; see the contract above. */
  execute<T>(command: AccountCommand<T>): Promise<ExecuteOutcome<T>>;

  /**
   * Optional: run several commands in as few round trips as the backend
   * allows (one transaction on SQL). Commands are applied in order; a
   * command on an account sees every earlier command's change to it. One
   * command failing does not affect the others. Without it, the engine
   * calls `execute` for each.
   */
  executeMany?<T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]>;

  /**
   * Optional (`coins.referral` needs it): commit commands on different
   * accounts all or nothing, each deciding on its own account's snapshot.
   * When a record already exists for any command's request id, nothing is
   * written and the answer is `replayed` with every such record found. When
   * any `decide` throws, nothing is written and the error is rethrown. Lock
   * the accounts in a fixed order (two groups on the same accounts must not
   * wait on each other in a cycle). A store that cannot span the accounts
   * with one atomic write (Redis Cluster: the accounts live in different
   * slots) may commit them one after another, provided a retry with the same
   * request ids books the commands an interrupted call left out (the
   * records found are then answered as `replayed`); it documents the window.
   */
  executeTogether?<T>(commands: readonly AccountCommand<T>[]): Promise<GroupOutcome<T>>;

  /** History entries, newest first, with `seq < beforeSeq` when given. */
  history(
    programId: string,
    userId: string,
    page: { readonly limit: number; readonly beforeSeq?: number },
  ): Promise<Entry[]>;

  /**
   * Users that hold an open lot with `expiresAt <= before`, ordered by user
   * id, starting after `after` when given. Used by the expiry sweep.
   */
  findExpiring(
    programId: string,
    before: number,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<string[]>;

  /**
   * Optional (`coins.expiring` needs it): a page of the accounts holding an
   * open lot with `expiresAt <= before`, ordered by the earliest `expiresAt`
   * among their open lots (`earliest`; expired lots not swept yet included),
   * then user id; starting after `after` when given. For each, `coins` and
   * `next` are over its open lots with `now < expiresAt <= before`: their
   * remaining coins (`"0"` when there are none: an account listed for lots
   * that expired unswept) and their earliest expiry (`null` then). A page
   * costs what it lists (an index by earliest expiry, not a scan).
   */
  listExpiring?(programId: string, page: ExpiringPage): Promise<ExpiringAccount[]>;

  /**
   * Optional (`coins.feed` needs it): the program's change feed, every entry
   * of every account after position `after` (from the start when absent), at
   * most `limit` of them. Positions are opaque strings of the store's
   * choosing, and the feed holds to this contract:
   * - items come in feed order, which keeps each account's `seq` order;
   * - every committed entry of the program appears exactly once, and an
   *   entry never appears before its command committed (nor ever, when it
   *   rolled back);
   * - no late fills: an entry committed later never appears at a position
   *   before one a reader already passed (a sequence number is not commit
   *   order: read only below the oldest write still in flight);
   * - positions survive restarts: one handed out by an instance is valid in
   *   any later instance over the same data;
   * - `next` is the position to pass as `after` for the following page.
   * A malformed `after` is `INVALID_INPUT` at path `after`. A page costs what
   * it lists (an index in feed order, not a scan).
   */
  readFeed?(
    programId: string,
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FeedPage>;

  /**
   * Optional (`coins.liability` needs it): the program's running totals and
   * its open lots' state at `at` (never before the last commit: callers pass
   * now or later). A store that has it adds `tallyOf(snapshot, change)` to
   * the program's totals in every commit, atomically with the account (keep
   * them striped, N rows or keys chosen by user, summed here: a single
   * program-wide row would serialise every commit). `pending` and `due` are
   * sums over open lots by `availableAt` and by `expiresAt`: read them from
   * indexes, so their cost is the pending and the unswept expired lots, never
   * every account.
   */
  readLiability?(programId: string, at: number): Promise<LiabilityFigures>;

  /**
   * Optional (`coins.erase` needs it): run `command` (the forfeit; it has no
   * request) on its account as `execute` would, and in the same atomic step
   * move every stored row of the account to the user id `pseudonym`: the
   * account, its lots, usage counters and entries (each as `erasedEntry`
   * makes it), its request records (as `erasedRecord`) and its place in any
   * index or feed; `pseudonym` is new and random. Afterwards nothing stored
   * holds the user id, which reads as an account never written. Entries are
   * append-only except for this one path. A store that cannot do it in one
   * atomic step (Redis Cluster) commits the forfeit first, with a durable
   * record of the erasure, and rolls the move forward in steps a later
   * `erase` of the same user id finishes.
   */
  erase?<T>(command: AccountCommand<T>, pseudonym: string): Promise<T>;

  /** What an event has handed out in total (for previews; commits use `AccountReads.budgetEventId`). */
  getBudgetUsed(programId: string, eventId: string): Promise<string>;

  /**
   * Optional: this store, running every call inside the caller's open
   * transaction `tx` (what `tx` may be is the store's to say). The store
   * never begins, commits or rolls back `tx`: each call runs under a
   * savepoint, released when it succeeds and rolled back to when it fails
   * (its idempotency claim included), so the caller's transaction goes on
   * either way; and nothing is retried inside it: a deadlock, a
   * serialization failure or a lost connection fails the call with
   * `STORE_UNAVAILABLE` and `details.retry: "transaction"` (roll back and run
   * the whole transaction again). Throws `INVALID_INPUT` synchronously for a
   * `tx` that cannot be a transaction. Without it, `coins.withTransaction`
   * refuses with `INVALID_INPUT`.
   */
  withTransaction?(tx: unknown): Store;
}
