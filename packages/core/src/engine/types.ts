import type { EntryType, LotMovement, RequestKind } from "../ledger/types.js";
import type { Program, ProgramInput } from "../program.js";
import type {
  CoinEvent,
  EventInput,
  EventPatch,
  IneligibleReason,
  RewardBreakdown,
} from "../rules/types.js";
import type { Store } from "../store.js";
import type { Instrumentation } from "./instrumentation.js";

/** Where "now" comes from. Inject a fixed or manual clock in tests. */
export interface Clock {
  now(): Date;
}

export interface CoinageOptions {
  readonly store: Store;
  readonly program: ProgramInput;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * Observes every public call (see `openTelemetry` and `logCalls`). When
   * omitted, calls are not wrapped at all.
   */
  readonly instrumentation?: Instrumentation;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

export interface AllocateInput {
  readonly userId: string;
  readonly event: string;
  readonly requestId: string;
  /** Transaction amount in currency (required by percentage and tiered rules). */
  readonly amount?: string | number;
  readonly reason?: string;
}

export interface ReferralInput {
  /** The user who referred: earns `event`. */
  readonly referrer: string;
  /** The user referred: earns `refereeEvent`. Not the referrer. */
  readonly referee: string;
  readonly event: string;
  readonly refereeEvent: string;
  /** The referral's id; the referrer's allocation is booked under it. */
  readonly requestId: string;
  /** The referee's allocation's request id; `<requestId>:referee` by default. */
  readonly refereeRequestId?: string;
  readonly reason?: string;
}

export interface ReferralResult {
  readonly requestId: string;
  readonly referrer: AllocationResult;
  readonly referee: AllocationResult;
  /** True when this answers a repeat of the referral: the first results, nothing written. */
  readonly replayed: boolean;
}

export interface AllocationResult {
  readonly requestId: string;
  readonly userId: string;
  readonly event: string;
  /** Coins earned (may be "0" when ineligible or capped to nothing). */
  readonly coins: string;
  /** Of those, coins that paid off debt first. */
  readonly debtPaid: string;
  readonly lotId: number | null;
  readonly earnedAt: string;
  readonly availableAt: string | null;
  readonly expiresAt: string | null;
  readonly ineligible?: IneligibleReason;
  /**
   * Present when the coins count toward the event's budget (the event had one
   * when they were earned): reversing them gives that budget back.
   */
  readonly countsTowardBudget?: true;
  readonly breakdown: RewardBreakdown;
  readonly balance: Balance;
  /**
   * True when this answers a repeat of an earlier call with the same
   * \`requestId\` and payload: the first call's result, and nothing written.
   */
  readonly replayed: boolean;
}

export interface RedeemInput {
  readonly userId: string;
  readonly coins: string | number;
  readonly requestId: string;
  readonly reason?: string;
}

export interface RedemptionResult {
  readonly requestId: string;
  readonly userId: string;
  readonly coins: string;
  /** Currency value of the redeemed coins at the program's coin value. */
  readonly value: string;
  /** Lots consumed, earliest expiry first. */
  readonly lots: readonly LotMovement[];
  readonly balance: Balance;
  /**
   * True when this answers a repeat of an earlier call with the same
   * \`requestId\` and payload: the first call's result, and nothing written.
   */
  readonly replayed: boolean;
}

export interface ReverseInput {
  readonly requestId: string;
  /** The requestId of the allocation or redemption to reverse. */
  readonly of: string;
  /** Part of it; the whole remainder when omitted. */
  readonly coins?: string | number;
  /**
   * Instead of `coins`: the refunded part of an allocation's purchase amount.
   * The coins it takes back are computed with the rule as booked (the event
   * and the program as they were, at the allocation's instant, with the cap
   * usage it saw): what the purchase earned before the refunds so far, less
   * what it earns after this one. Refunds never exceed the booked amount in
   * total, nor take back more than the allocation earned. Only for
   * allocations booked with an amount.
   */
  readonly amount?: string | number;
  readonly reason?: string;
}

export interface ReversalResult {
  readonly requestId: string;
  readonly of: string;
  readonly userId: string;
  readonly kind: "allocation" | "redemption";
  /** Coins asked to reverse. */
  readonly coins: string;
  /** For an allocation: coins taken from lots, coins turned into debt, coins forgiven. */
  readonly taken: string;
  readonly debt: string;
  readonly forgiven: string;
  /** For a redemption: coins put back, and of those, coins that expired at once. */
  readonly restored: string;
  readonly expired: string;
  readonly lots: readonly LotMovement[];
  /** The refunded purchase amount, for a reversal by `amount`. */
  readonly amount?: string;
  readonly balance: Balance;
  /**
   * True when this answers a repeat of an earlier call with the same
   * \`requestId\` and payload: the first call's result, and nothing written.
   */
  readonly replayed: boolean;
}

export interface AdjustInput {
  readonly userId: string;
  /** Signed coins: positive credits a new lot, negative spends earliest-expiry first. */
  readonly coins: string | number;
  readonly requestId: string;
  readonly reason: string;
  /** Expiry of credited coins; never by default. */
  readonly expiresAt?: string | null;
}

export interface AdjustmentResult {
  readonly requestId: string;
  readonly coins: string;
  readonly lots: readonly LotMovement[];
  readonly balance: Balance;
  /** True when this answers a repeat of an earlier call (see `AllocationResult.replayed`). */
  readonly replayed: boolean;
}

/** What `request(requestId)` answers: one booked write, as it stands now. */
interface RequestStatusOf<K extends RequestKind, R> {
  readonly requestId: string;
  /** Which write booked it: `allocate` (also `allocateMany`), `redeem`, `reverse` or `adjust`. */
  readonly kind: K;
  readonly userId: string;
  /** When it was booked. */
  readonly at: string;
  /** Coins it booked: earned (allocate), spent (redeem), moved (reverse, adjust; unsigned). */
  readonly coins: string;
  /**
   * Of those, coins reversed since (by `reverse` of this request): `"0"` for a
   * reversal or an adjustment, which cannot be reversed.
   */
  readonly reversed: string;
  /** For an allocation booked with an amount: that purchase amount. */
  readonly amount?: string;
  /** For an allocation booked with an amount: how much of it was refunded (`reverse({ amount })`). */
  readonly refunded?: string;
  /** The result the first call returned (`replayed: false`), as it was then: its balance is that instant's. */
  readonly result: R;
}

export type RequestStatus =
  | RequestStatusOf<"allocate", AllocationResult>
  | RequestStatusOf<"redeem", RedemptionResult>
  | RequestStatusOf<"reverse", ReversalResult>
  | RequestStatusOf<"adjust", AdjustmentResult>;

/** What `coins.erase(userId)` did. */
export interface ErasureResult {
  /** The random id the account's rows now stand under (kept for the books; it names no one). */
  readonly pseudonym: string;
  /** Coins the account held and forfeited (booked as expired). */
  readonly forfeited: string;
  /** Debt the account owed, kept under the pseudonym. */
  readonly debt: string;
  readonly erasedAt: string;
}

/** The program's coins owed to members, and its running totals: `coins.liability()`. */
export interface Liability {
  readonly asOf: string;
  /** Coins members can spend at `asOf`. */
  readonly available: string;
  /** Coins earned but not yet spendable. */
  readonly pending: string;
  /** `available + pending`: the coins the program owes. */
  readonly outstanding: string;
  /** `outstanding` at the program's coin value. */
  readonly value: string;
  /** Coins members owe back (reversals that found too few coins, under `clawback: "debt"`). */
  readonly debt: string;
  readonly earned: string;
  readonly redeemed: string;
  /** Breakage: coins that expired, swept or not yet swept (a lot past its expiry counts for nothing). */
  readonly expired: string;
  readonly reversed: string;
  readonly restored: string;
  /** Manual corrections, signed. */
  readonly adjusted: string;
}

export interface MemberLevel {
  readonly userId: string;
  /** The highest level whose `from` the qualifying coins reach; `null` below the first. */
  readonly level: string | null;
  /** Coins earned from allocations in the window, less what was reversed of them. */
  readonly qualifying: string;
  /** The window: its calendar months (`"2026-01"` to `"2026-12"`), in the program's time zone. */
  readonly window: { readonly months: number; readonly first: string; readonly last: string };
  /** The next level up and the coins still missing to reach it; `null` at the top. */
  readonly next: { readonly level: string; readonly from: string; readonly missing: string } | null;
  readonly asOf: string;
}

export interface Balance {
  readonly userId: string;
  /** Spendable now. */
  readonly available: string;
  /** Earned but not yet spendable (activation delay). */
  readonly pending: string;
  readonly debt: string;
  /** Currency value of `available`. */
  readonly value: string;
  /** The earliest expiry among counted coins, and how many coins expire then. */
  readonly nextExpiry: { readonly at: string; readonly coins: string } | null;
  /** The instant the balance was computed for. */
  readonly asOf: string;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly type: EntryType;
  readonly coins: string;
  readonly balanceAfter: string;
  readonly debtAfter: string;
  readonly requestId: string | null;
  readonly lots: readonly LotMovement[];
  readonly event: string | null;
  readonly at: string;
  readonly reason: string | null;
}

export type BulkItemResult =
  | { readonly ok: true; readonly replayed: boolean; readonly result: AllocationResult }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly details: unknown;
      };
    };

export interface ExpireResult {
  readonly accounts: number;
  readonly lots: number;
  readonly coins: string;
}

/** One user of `expiring()`: coins that expire by the asked instant. */
export interface ExpiringCoins {
  readonly userId: string;
  /** Coins of the user, spendable or pending, that expire after now and at or before `before`. */
  readonly coins: string;
  /** The earliest of their expiries. */
  readonly earliest: string;
}

/** One entry of `feed()`: a history entry, with its account and its position in the feed. */
export interface FeedEntry extends HistoryEntry {
  readonly userId: string;
  /** Where the entry stands in the feed (opaque; the store's). */
  readonly position: string;
}

export interface FeedOptions {
  /** The `nextCursor` of an earlier call; from the start of the feed when absent or `null`. */
  readonly after?: string | null;
  /** At most this many entries (1 to 1000; 100 by default). */
  readonly limit?: number;
  /**
   * Only the entries of the users in partition `index` of `count` (1 to 64),
   * by a stable hash of the user id (FNV-1a, 32 bits, over its UTF-16 code
   * units, modulo `count`): workers that each read one partition split the
   * feed between them, each user's entries staying with one worker.
   */
  readonly partition?: { readonly index: number; readonly count: number };
}

export interface FeedResult {
  readonly items: readonly FeedEntry[];
  /**
   * Always where to continue from: store it once `items` are handled, and
   * pass it back as `after`. When there is nothing new, it is the `after`
   * given (`null` on an empty feed read from the start).
   */
  readonly nextCursor: string | null;
}

export interface Coinage {
  readonly program: Program;
  readonly events: {
    create(input: EventInput): Promise<CoinEvent>;
    /**
     * Create-or-update from a whole definition, for services that define
     * their events at start-up: creates the event when missing, leaves it
     * alone when the stored one defines the same thing (no write, no new
     * version), and otherwise replaces it with this definition at the next
     * version.
     */
    upsert(input: EventInput): Promise<{
      readonly event: CoinEvent;
      readonly status: "created" | "updated" | "unchanged";
    }>;
    get(eventId: string): Promise<CoinEvent>;
    update(
      eventId: string,
      patch: EventPatch,
      options?: { readonly expectedVersion?: number },
    ): Promise<CoinEvent>;
    list(options?: { readonly limit?: number; readonly cursor?: string }): Promise<Page<CoinEvent>>;
  };
  /** Dry run of `allocate` with the user's real cap usage; writes nothing. */
  preview(
    input: Omit<AllocateInput, "requestId">,
  ): Promise<Omit<AllocationResult, "requestId" | "lotId" | "debtPaid" | "balance" | "replayed">>;
  allocate(input: AllocateInput): Promise<AllocationResult>;
  allocateMany(inputs: readonly AllocateInput[]): Promise<BulkItemResult[]>;
  redeem(input: RedeemInput): Promise<RedemptionResult>;
  reverse(input: ReverseInput): Promise<ReversalResult>;
  adjust(input: AdjustInput): Promise<AdjustmentResult>;
  /**
   * A booked write by its `requestId`: its kind, user, instant, coins, how
   * many of them were reversed since, and the result its first call
   * returned. `REQUEST_NOT_FOUND` when the program has none with this id
   * (a write that failed books nothing).
   */
  request(requestId: string): Promise<RequestStatus>;
  /**
   * A member's level (the program's `levels`): the coins earned from
   * allocations in the window's calendar months (less what was reversed of
   * them), the level that reaches, and how far the next one is. One read of
   * the account's monthly counters. `INVALID_INPUT` when the program has no
   * levels.
   */
  level(userId: string): Promise<MemberLevel>;
  /**
   * The program's liability: outstanding available and pending coins and
   * their currency value, total debt, and the totals earned, redeemed,
   * expired (breakage), reversed, restored and adjusted; exact, from
   * counters the commits maintain. `at` (now by default, never earlier)
   * decides which lots count as pending or expired. `INVALID_INPUT` at
   * `store` for a store without `readLiability`.
   */
  liability(options?: { readonly at?: Date }): Promise<Liability>;
  /**
   * Erase a user (the right to be forgotten): the account's remaining coins
   * are forfeited (one `expire` entry), and every stored row of it moves to
   * a random pseudonym, with free-text reasons dropped and the user id
   * replaced in request records and results. Amounts stay, so program
   * totals stay exact; the same user id afterwards is a fresh account. One
   * atomic step; erasing again (or a user never seen) forfeits nothing.
   * `INVALID_INPUT` at `store` for a store without `erase`.
   */
  erase(userId: string): Promise<ErasureResult>;
  /**
   * A referral pair: the referrer's bonus (`event`) and the referee's welcome
   * bonus (`refereeEvent`), booked together as one idempotent request, both or
   * neither. Each is an allocation with its own request record (the referee's
   * under `refereeRequestId`, `<requestId>:referee` by default), so either can
   * be reversed alone. A self-referral is `INVALID_INPUT`; caps per referrer
   * are the event's per-user caps. `INVALID_INPUT` at `store` for a store
   * without `executeTogether`.
   */
  referral(input: ReferralInput): Promise<ReferralResult>;
  /**
   * The balance now; with `at` before now, the balance as it stood then
   * (from the history: lots earned later do not exist, later redemptions and
   * reversals have not happened, expiries up to `at` have; cost grows with
   * the activity since `at`); with `at` ahead, what it will be with nothing
   * else happening.
   */
  balance(userId: string, options?: { readonly at?: Date }): Promise<Balance>;
  history(
    userId: string,
    options?: { readonly limit?: number; readonly cursor?: string },
  ): Promise<Page<HistoryEntry>>;
  expire(options?: { readonly before?: Date; readonly batchSize?: number }): Promise<ExpireResult>;
  /**
   * Program-wide, the users holding coins that expire after now and at or
   * before `before` (reminders: "your coins expire soon"), with those coins
   * and their earliest expiry; paged by `cursor`. Ordered by each account's
   * earliest expiry (an account with expired coins not swept yet comes
   * first), then user id. A page reads an index, never every account; it may
   * hold fewer than `limit` users (accounts whose only due coins had already
   * expired are skipped). Needs a store with `listExpiring`.
   */
  expiring(options: {
    readonly before: Date;
    readonly limit?: number;
    readonly cursor?: string;
  }): Promise<Page<ExpiringCoins>>;
  /**
   * The program's change feed (a transactional outbox): every entry of every
   * account, in commit order, after the cursor `after`. A worker delivers
   * them (webhooks, projections) at least once by storing `nextCursor` only
   * after handling `items`; the cursor is durable (valid in a new engine
   * over the same store). An entry appears only once its write committed,
   * and never before one a reader already passed. A page may hold fewer than
   * `limit` entries when `partition` filters; an empty page means nothing
   * new yet: poll again with the same cursor. Needs a store with `readFeed`.
   */
  feed(options?: FeedOptions): Promise<FeedResult>;
  /**
   * This engine, with every call run inside the caller's open transaction
   * `tx` (for `@coinage/postgres`: a pg client after `BEGIN`, the
   * transaction PGlite hands to `transaction(fn)`, or an adapter's
   * `Queryable`). Each call runs under a savepoint and never begins, commits
   * or rolls back `tx`: the caller's commit makes its effects durable, the
   * caller's rollback undoes them. A call that fails undoes only its own
   * statements. Synchronous; throws `INVALID_INPUT` when the store cannot
   * join a transaction (memory, Redis) or `tx` is not one.
   */
  withTransaction(tx: unknown): Coinage;
}
