/**
 * Coin events as data: plain JSON-serialisable objects, validated by
 * `parseEvent`, evaluated by `previewReward`. The same object is stored,
 * sent to a browser and previewed there.
 */

/** N coins per allocation (referral bonus, welcome bonus, the seed's `amount`). */
export interface FixedReward {
  readonly kind: "fixed";
  readonly coins: string;
}

/** P percent of the transaction amount, converted to coins at the program's coin value. */
export interface PercentageReward {
  readonly kind: "percentage";
  readonly percent: string;
}

/** A tier starts at `from` (inclusive, in currency) and pays a percent or a flat number of coins. */
export type Tier =
  | { readonly from: string; readonly percent: string }
  | { readonly from: string; readonly coins: string };

/**
 * Tiers by transaction amount, sorted by `from`, the first starting at 0.
 * `flat`: the whole amount at the tier it falls in. `progressive`: each slice
 * at its own tier's rate (percent tiers only).
 */
export interface TieredReward {
  readonly kind: "tiered";
  readonly mode: "flat" | "progressive";
  readonly tiers: readonly Tier[];
}

export type RewardRule = FixedReward | PercentageReward | TieredReward;

/** A multiplier active in `[from, until)` (ISO-8601 instants), e.g. `"2"` for double coins. */
export interface Promotion {
  readonly id: string;
  readonly multiplier: string;
  readonly from: string;
  readonly until: string;
}

export type CapPeriod = "day" | "week" | "month" | "year" | "lifetime";

export interface PerUserCap {
  readonly coins: string;
  readonly period: CapPeriod;
}

export interface Caps {
  /** Most coins one allocation can earn. */
  readonly perAllocation?: string;
  /** Most coins one user can earn from this event per period (calendar periods in the program's time zone). */
  readonly perUser?: readonly PerUserCap[];
  /** Most coins this event can hand out in total, across all users. */
  readonly budget?: string;
}

/** A calendar unit for `endOf` date rules. Weeks start on Monday (ISO). */
export type CalendarUnit = "day" | "week" | "month" | "quarter" | "year";

/**
 * When coins expire or become available, relative to the earning instant:
 * - `{ days?, months?, years? }` after it (calendar arithmetic in the program's time zone; at least one > 0);
 * - `{ endOf, plus? }`: the end of the current calendar unit, plus N more units;
 * - `{ at }`: a fixed ISO-8601 instant;
 * - `"never"` (for expiry) / `"immediately"` (for activation).
 */
export type DateRule =
  | {
      readonly days?: number;
      readonly months?: number;
      readonly years?: number;
      readonly hours?: number;
    }
  | { readonly endOf: CalendarUnit; readonly plus?: number }
  | { readonly at: string };

export type ExpiryRule = DateRule | "never";
export type ActivationRule = DateRule | "immediately";

export type EventStatus = "active" | "paused" | "archived";

/** A validated coin event. */
export interface CoinEvent {
  readonly id: string;
  readonly name: string;
  readonly status: EventStatus;
  /** Allocations are accepted only inside `[from, until)` when set. */
  readonly window?: { readonly from?: string; readonly until?: string };
  readonly reward: RewardRule;
  readonly promotions?: readonly Promotion[];
  /** How several active promotions combine; `"max"` by default. */
  readonly stack?: "max" | "multiply";
  readonly caps?: Caps;
  /** Transactions below this amount earn nothing. */
  readonly minAmount?: string;
  /** When earned coins expire; `"never"` by default. */
  readonly expiry?: ExpiryRule;
  /** When earned coins become spendable; immediately by default. */
  readonly activation?: ActivationRule;
  /** Free-form labels for the caller (JSON values only). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Bumped by every update; 1 on creation. */
  readonly version: number;
}

/** What is previewed or allocated against. */
export interface Transaction {
  /** Transaction amount in currency; required by percentage and tiered rules. */
  readonly amount?: string | number;
}

/**
 * Coins already used against the event's caps, supplied by the ledger:
 * `perUser[period]` is what this user earned from the event in the current
 * period; `budget` is what the event has handed out in total.
 */
export interface RewardUsage {
  readonly perUser?: Partial<Record<CapPeriod, string>>;
  readonly budget?: string;
}

/**
 * Why a transaction earns nothing: the event is paused, archived or outside
 * its window; the amount is below `minAmount`; or the coins would expire at
 * or before they become available (`expires_before_activation`).
 */
export type IneligibleReason =
  | "paused"
  | "archived"
  | "before_window"
  | "after_window"
  | "below_min_amount"
  | "expires_before_activation";

/** One cap that clipped the reward, with the amounts before and after. */
export interface CapClip {
  readonly cap: "perAllocation" | "perUser" | "budget";
  readonly period?: CapPeriod;
  readonly limit: string;
  readonly used?: string;
  readonly before: string;
  readonly after: string;
}

/** "Why N coins": every step of the computation, as decimal strings. */
export interface RewardBreakdown {
  readonly rule: RewardRule["kind"];
  /** Coins before promotions and caps (exact, unrounded). */
  readonly base: string;
  /**
   * The tier the amount fell in (flat), or every tier slice (progressive):
   * `rate` is the tier's percent (absent for a fixed-coins tier), `coins`
   * what the tier contributes (exact).
   */
  readonly tiers?: readonly {
    readonly from: string;
    readonly upTo?: string;
    readonly rate?: string;
    readonly coins: string;
  }[];
  /** Promotions active at the instant, and the combined multiplier. */
  readonly promotions: readonly { readonly id: string; readonly multiplier: string }[];
  readonly multiplier: string;
  /** Coins after promotions, before caps (exact). */
  readonly multiplied: string;
  readonly caps: readonly CapClip[];
  /**
   * The one rounding, of the capped coins to the coin scale. When rounding
   * (up or half-up) would pass a cap, the coins are the cap rounded down
   * instead, and `limitedBy` names that cap.
   */
  readonly rounding: {
    readonly mode: string;
    readonly scale: number;
    readonly exact: string;
    readonly rounded: string;
    readonly limitedBy?: CapClip["cap"];
  };
}

export interface RewardPreview {
  /** Coins earned, at the program's coin scale. */
  readonly coins: string;
  /** Their value in currency at the program's coin value. */
  readonly value: string;
  /** Set when the transaction earns nothing because of the event itself. */
  readonly ineligible?: IneligibleReason;
  readonly breakdown: RewardBreakdown;
  /** When the coins would become available and expire (ISO-8601; `null` = never). */
  readonly availableAt: string;
  readonly expiresAt: string | null;
}
