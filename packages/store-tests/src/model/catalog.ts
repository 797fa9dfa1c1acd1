/**
 * Coin events as the model knows them, how they are sent to the engine, and
 * the fast-check arbitraries that generate them (and patches to them).
 * Instants inside an event (promotion windows, fixed dates, the event
 * window) are hours relative to the run's start, so shrinking moves them
 * toward the start.
 */

import type { EventInput } from "@coinage/core";
import fc from "fast-check";
import {
  CAP_PERIODS,
  type CalendarUnit,
  type CapPeriod,
  HOUR_MS,
  type RelativeRule,
} from "./calendar.js";

export type TierSpec =
  | { readonly from: string; readonly percent: string }
  | { readonly from: string; readonly coins: string };

export type RewardSpec =
  | { readonly kind: "fixed"; readonly coins: string }
  | { readonly kind: "percentage"; readonly percent: string }
  | {
      readonly kind: "tiered";
      readonly mode: "flat" | "progressive";
      readonly tiers: readonly TierSpec[];
    };

export interface PromotionSpec {
  readonly id: string;
  readonly multiplier: string;
  /** Hours from the run's start. */
  readonly from: number;
  readonly until: number;
}

export interface CapsSpec {
  readonly perAllocation?: string;
  readonly perUser?: readonly { readonly coins: string; readonly period: CapPeriod }[];
  readonly budget?: string;
}

/** A fixed instant, in hours from the run's start. */
export interface FixedAt {
  readonly at: number;
}

export type ExpirySpec = "never" | RelativeRule | FixedAt;
export type ActivationSpec = "immediately" | RelativeRule | FixedAt;

export interface EventSpec {
  readonly id: string;
  readonly status: "active" | "paused";
  /** Hours from the run's start. */
  readonly window?: { readonly from?: number; readonly until?: number };
  readonly reward: RewardSpec;
  readonly promotions?: readonly PromotionSpec[];
  readonly stack?: "max" | "multiply";
  readonly caps?: CapsSpec;
  readonly minAmount?: string;
  readonly expiry: ExpirySpec;
  readonly activation: ActivationSpec;
}

/** Fields of an event patch: each replaces the field whole; `null` removes an optional one. */
export type EventPatch = {
  readonly [K in Exclude<keyof EventSpec, "id">]?: EventSpec[K] | null;
};

export const isFixedAt = (rule: unknown): rule is FixedAt =>
  typeof rule === "object" && rule !== null && "at" in rule;

const isoAt = (start: number, hours: number): string =>
  new Date(start + hours * HOUR_MS).toISOString();

function dateRule(rule: ExpirySpec | ActivationSpec, start: number): unknown {
  return isFixedAt(rule) ? { at: isoAt(start, rule.at) } : rule;
}

/** One field of an event as the engine takes it. */
function fieldInput(key: string, value: unknown, start: number): unknown {
  if (value === null || value === undefined) return value;
  switch (key) {
    case "window": {
      const w = value as NonNullable<EventSpec["window"]>;
      return {
        ...(w.from === undefined ? {} : { from: isoAt(start, w.from) }),
        ...(w.until === undefined ? {} : { until: isoAt(start, w.until) }),
      };
    }
    case "promotions":
      return (value as readonly PromotionSpec[]).map((p) => ({
        id: p.id,
        multiplier: p.multiplier,
        from: isoAt(start, p.from),
        until: isoAt(start, p.until),
      }));
    case "expiry":
    case "activation":
      return dateRule(value as ExpirySpec, start);
    default:
      return value;
  }
}

/** The input of `events.create` for a spec. */
export function eventInput(spec: EventSpec, start: number): EventInput {
  const input: Record<string, unknown> = { name: `${spec.id} event` };
  for (const [key, value] of Object.entries(spec)) input[key] = fieldInput(key, value, start);
  // Built field by field from a spec the catalog keeps valid.
  return input as unknown as EventInput;
}

/** The patch of `events.update` for a model patch. */
export function patchInput(patch: EventPatch, start: number): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) input[key] = fieldInput(key, value, start);
  return input;
}

/** The spec after a patch. */
export function applyPatch(spec: EventSpec, patch: EventPatch): EventSpec {
  const next: Record<string, unknown> = { ...spec };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  if (next.expiry === undefined) next.expiry = "never";
  if (next.activation === undefined) next.activation = "immediately";
  return next as unknown as EventSpec;
}

/** Whether a reward needs the transaction amount. */
export const needsAmount = (spec: EventSpec): boolean =>
  spec.reward.kind !== "fixed" || spec.minAmount !== undefined;

/** Event ids of a run: plain ones and ones with characters that stores must keep apart. */
export const EVENT_IDS = ["E0", "E1", "__proto__", "e:{3} ✓", "E4"] as const;

// ---------------------------------------------------------------------------
// Arbitraries

const fixedReward = fc
  .constantFrom("1", "7", "40", "100", "2.5", "0.75")
  .map((coins): RewardSpec => ({ kind: "fixed", coins }));

const percentageReward = fc
  .constantFrom("1", "2.5", "5", "10", "33.3", "0.7")
  .map((percent): RewardSpec => ({ kind: "percentage", percent }));

const tierPercent = fc.constantFrom("0", "1", "2.5", "5", "10", "12.5");
const tierCoins = fc.constantFrom("0", "5", "12.5", "100");

const tieredReward = fc
  .tuple(
    fc.constantFrom("flat" as const, "progressive" as const),
    fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 0, maxLength: 3 }),
    fc.array(fc.tuple(fc.boolean(), tierPercent, tierCoins), { minLength: 4, maxLength: 4 }),
  )
  .map(([mode, steps, rates]): RewardSpec => {
    const froms = [0];
    for (const step of steps) froms.push((froms[froms.length - 1] as number) + step * 500);
    const tiers = froms.map((from, i): TierSpec => {
      const [coins, percent, fixed] = rates[i] as [boolean, string, string];
      return coins && mode === "flat"
        ? { from: String(from), coins: fixed }
        : { from: String(from), percent };
    });
    return { kind: "tiered", mode, tiers };
  });

export const rewardArb: fc.Arbitrary<RewardSpec> = fc.oneof(
  fixedReward,
  percentageReward,
  tieredReward,
);

const promotionArb = fc
  .tuple(
    fc.constantFrom("0.5", "1.5", "2", "3"),
    fc.integer({ min: -48, max: 900 }),
    fc.integer({ min: 1, max: 400 }),
  )
  .map(([multiplier, from, length]) => ({ multiplier, from, until: from + length }));

export const promotionsArb: fc.Arbitrary<PromotionSpec[]> = fc
  .array(promotionArb, { maxLength: 3 })
  .map((list) => list.map((p, i) => ({ id: `P${i}`, ...p })));

export const capsArb: fc.Arbitrary<CapsSpec> = fc
  .record(
    {
      perAllocation: fc.constantFrom("50", "150", "7.5", "1000"),
      perUser: fc
        .subarray([...CAP_PERIODS], { minLength: 1 })
        .chain((periods) =>
          fc.tuple(
            fc.shuffledSubarray(periods, { minLength: periods.length, maxLength: periods.length }),
            fc.array(fc.constantFrom("60", "200", "500", "2000", "12.5"), {
              minLength: periods.length,
              maxLength: periods.length,
            }),
          ),
        )
        .map(([periods, coins]) =>
          periods.map((period, i) => ({ period, coins: coins[i] as string })),
        ),
      budget: fc.constantFrom("300", "1000", "5000"),
    },
    { requiredKeys: [] },
  )
  .map((caps) => caps as CapsSpec);

const calendarUnit = fc.constantFrom<CalendarUnit>("day", "week", "month", "quarter", "year");

/** Expiry rules; durations are at least 60 hours, longer than any generated activation duration. */
export const expiryArb: fc.Arbitrary<ExpirySpec> = fc.oneof(
  fc.constant("never" as const),
  fc.integer({ min: 3, max: 120 }).map((days) => ({ days })),
  fc.integer({ min: 1, max: 3 }).map((months) => ({ months })),
  fc.constant({ years: 1 }),
  fc.integer({ min: 60, max: 500 }).map((hours) => ({ hours })),
  fc
    .tuple(calendarUnit, fc.integer({ min: 0, max: 2 }))
    .map(([endOf, plus]) => (plus === 0 ? { endOf } : { endOf, plus })),
  fc.integer({ min: 6, max: 1500 }).map((at) => ({ at })),
);

/** Activation rules; durations are at most 48 hours. */
export const activationArb: fc.Arbitrary<ActivationSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("immediately" as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 48 }).map((hours) => ({ hours })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((days) => ({ days })) },
  { weight: 1, arbitrary: fc.constant({ endOf: "day" as const }) },
  { weight: 1, arbitrary: fc.integer({ min: -24, max: 400 }).map((at) => ({ at })) },
);

const windowArb = fc.oneof(
  fc.integer({ min: 1, max: 300 }).map((from) => ({ from })),
  fc.integer({ min: 24, max: 1500 }).map((until) => ({ until })),
);

export const minAmountArb = fc.constantFrom("10", "100", "500");

/** `arb` with the given chance (0 to 1), else absent. */
const optional = <T>(arb: fc.Arbitrary<T>, chance: number) =>
  fc.oneof(
    { weight: Math.round(chance * 100), arbitrary: arb },
    { weight: Math.round((1 - chance) * 100), arbitrary: fc.constant(undefined) },
  );

/** An event's rules (without its id). */
export const eventBodyArb: fc.Arbitrary<Omit<EventSpec, "id">> = fc
  .record({
    status: fc.oneof(
      { weight: 9, arbitrary: fc.constant("active" as const) },
      { weight: 1, arbitrary: fc.constant("paused" as const) },
    ),
    window: optional(windowArb, 0.1),
    reward: rewardArb,
    promotions: optional(promotionsArb, 0.5),
    stack: optional(fc.constantFrom("max" as const, "multiply" as const), 0.5),
    caps: optional(capsArb, 0.6),
    minAmount: optional(minAmountArb, 0.25),
    expiry: expiryArb,
    activation: activationArb,
  })
  .map((body) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) if (value !== undefined) out[key] = value;
    return out as unknown as Omit<EventSpec, "id">;
  });

/** The events of one run: 3 to 5, with the run's event ids. */
export const eventsArb: fc.Arbitrary<EventSpec[]> = fc
  .array(eventBodyArb, { minLength: 3, maxLength: EVENT_IDS.length })
  .map((bodies) => bodies.map((body, i) => ({ id: EVENT_IDS[i] as string, ...body })));

/**
 * A patch for `events.update`: new caps (a per-user cap or budget added
 * mid-period), a new reward, status, promotions, minimum amount, or a new
 * expiry with activation. `invalid` marks a patch whose expiry duration is
 * not longer than its activation delay, which the engine must refuse.
 */
export const patchArb: fc.Arbitrary<{ readonly patch: EventPatch; readonly invalid: boolean }> =
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .option(capsArb, { freq: 5, nil: null })
        .map((caps) => ({ patch: { caps }, invalid: false })),
    },
    { weight: 1, arbitrary: rewardArb.map((reward) => ({ patch: { reward }, invalid: false })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("active" as const, "paused" as const)
        .map((status) => ({ patch: { status }, invalid: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.option(promotionsArb, { nil: null }),
          fc.option(fc.constantFrom("max" as const, "multiply" as const), { nil: null }),
        )
        .map(([promotions, stack]) => ({ patch: { promotions, stack }, invalid: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .option(minAmountArb, { nil: null })
        .map((minAmount) => ({ patch: { minAmount }, invalid: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(expiryArb, activationArb)
        .map(([expiry, activation]) => ({ patch: { expiry, activation }, invalid: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }))
        .map(([days, longer]) => ({
          patch: { expiry: { days }, activation: { days: days + longer } },
          invalid: true,
        })),
    },
  );
