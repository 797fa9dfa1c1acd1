/**
 * Coin events as data: plain JSON-serialisable objects, validated by
 * `parseEvent`, evaluated by `previewReward`. The same object is stored,
 * sent to a browser and previewed there.
 */

import type {
  activationShape,
  calendarUnitShape,
  capPeriodShape,
  capsShape,
  eventShape,
  expiryShape,
  fixedRewardShape,
  percentageRewardShape,
  perUserCapShape,
  promotionShape,
  rewardShape,
  tieredRewardShape,
  tierShape,
} from "./event-shape.js";
import type { In, Out, PatchIn } from "./shape.js";

// The types of a coin event, derived from its one definition in
// `event-shape.ts` (which documents each field): `Out<…>` is the canonical
// value `parseEvent` returns, `In<…>` what a caller may pass.

/** N coins per allocation (referral bonus, welcome bonus, the seed's `amount`). */
export interface FixedReward extends Out<typeof fixedRewardShape> {}

/** P percent of the transaction amount, converted to coins at the program's coin value. */
export interface PercentageReward extends Out<typeof percentageRewardShape> {}

/** A tier starts at `from` (inclusive, in currency) and pays a percent or a flat number of coins. */
export type Tier = Out<typeof tierShape>;

/**
 * Tiers by transaction amount, sorted by `from`, the first starting at 0.
 * `flat`: the whole amount at the tier it falls in. `progressive`: each slice
 * at its own tier's rate (percent tiers only).
 */
export interface TieredReward extends Out<typeof tieredRewardShape> {}

export type RewardRule = Out<typeof rewardShape>;

/** A multiplier active in `[from, until)` (ISO-8601 instants), e.g. `"2"` for double coins. */
export interface Promotion extends Out<typeof promotionShape> {}

export type CapPeriod = Out<typeof capPeriodShape>;

export interface PerUserCap extends Out<typeof perUserCapShape> {}

export interface Caps extends Out<typeof capsShape> {}

/** A calendar unit for `endOf` date rules. Weeks start on Monday (ISO). */
export type CalendarUnit = Out<typeof calendarUnitShape>;

export type ExpiryRule = Out<typeof expiryShape>;
export type ActivationRule = Out<typeof activationShape>;

/**
 * When coins expire or become available, relative to the earning instant:
 * - `{ days?, months?, years?, hours? }` after it (calendar arithmetic in the program's time zone; at least one > 0);
 * - `{ endOf, plus? }`: the end of the current calendar unit, plus N more units;
 * - `{ at }`: a fixed ISO-8601 instant;
 * - `"never"` (for expiry) / `"immediately"` (for activation).
 */
export type DateRule = Exclude<ExpiryRule, "never">;

/** A validated coin event. */
export interface CoinEvent extends Out<typeof eventShape> {}

export type EventStatus = CoinEvent["status"];

/**
 * A coin event as `events.create`, `events.upsert` and `parseEvent` accept
 * it: decimals as strings or exact numbers, defaults (`name`, `status`, a
 * tiered rule's `mode`) left out, and no `version` (coinage sets it).
 */
export type EventInput = Omit<In<typeof eventShape>, "version">;

/**
 * Fields to change in `events.update`: each replaces the stored field
 * whole, `null` removes an optional one; `id` and `version` cannot be changed.
 */
export type EventPatch = PatchIn<(typeof eventShape)["fields"], "id" | "version">;

/** What is previewed or allocated against. */
export interface Transaction {
  /** Transaction amount in currency; required by percentage and tiered rules. */
  readonly amount?: string | number;
  /**
   * The member's level (`coins.level`), when the program has levels: the
   * event's multiplier for it applies with the promotions' one.
   */
  readonly level?: string | null;
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
  /** The member's level, when the transaction named one, and the event's multiplier for it (`"1"` when it names none). */
  readonly level?: { readonly id: string; readonly multiplier: string };
  /** The promotions' and the level's multipliers combined. */
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
