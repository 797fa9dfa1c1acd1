/**
 * What `previewReward` reads from a coin event, as functions of the call
 * (the instant, the zone, the usage, the amount). Two ways to get them:
 *
 * - `directParts` reads the event's data on every call (decimal strings,
 *   ISO instants, date rules), exactly as the rule modules always have;
 * - `eventParts` reads it once per event object: tiers, caps and the
 *   minimum amount as decimals, the event window and promotion windows as
 *   epoch milliseconds, date rules as resolvers. The prepared form is kept
 *   in a `WeakMap` keyed by the event, so it lives as long as the event.
 *
 * Both give the same results. A part whose data cannot be read ahead (a
 * malformed value in an event that did not come from `parseEvent`) falls
 * back to its direct form, so it fails in the same way, at the same point,
 * as it always did.
 *
 * Events are immutable data. A prepared form is reused while the event's
 * top-level fields are the same values (replacing a field, as a patch does,
 * is seen); changing a nested object of an event in place after previewing
 * it (a tier's `percent`, say) is not supported: build a new event instead.
 */
import { isFrozenData } from "../input.js";
import type { Dec } from "../money/decimal.js";
import { parseDecimal } from "../money/decimal.js";
import {
  activationResolver,
  expiryResolver,
  resolveActivation,
  resolveExpiry,
} from "../time/dates.js";
import { type Base, prepareBase, ruleBase } from "./base.js";
import { type CapLimit, capLimits, prepareCaps } from "./caps.js";
import { eventActivity, type InactiveReason, prepareActivity } from "./eligibility.js";
import { type PromotionResult, preparePromotions, promotionMultiplier } from "./promotions.js";
import type { CoinEvent, RewardUsage } from "./types.js";

/**
 * The event-dependent steps of a preview, at the instant `at` (epoch ms,
 * checked to be a valid time); instants they answer are epoch ms too.
 */
export interface EventParts {
  availableAt(at: number, timeZone: string): number;
  expiresAt(at: number, timeZone: string): number | null;
  limits(usage: RewardUsage | undefined): CapLimit[];
  activity(event: CoinEvent, at: number): InactiveReason | null;
  /** True when the event has a minimum amount and `amount` is below it. */
  below(event: CoinEvent, amount: Dec | undefined): boolean;
  base(amount: Dec): Base;
  promotions(at: number): PromotionResult;
}

/** The parts of `event`, reading its data on every call. */
export function directParts(event: CoinEvent): EventParts {
  return {
    availableAt: (at, zone) => resolveActivation(event.activation, new Date(at), zone).getTime(),
    expiresAt: (at, zone) => resolveExpiry(event.expiry, new Date(at), zone)?.getTime() ?? null,
    limits: (usage) => capLimits(event.caps, usage),
    activity: (e, at) => eventActivity(e, new Date(at)),
    below: (e, amount) =>
      e.minAmount !== undefined &&
      amount !== undefined &&
      amount.lt(parseDecimal(e.minAmount, "minAmount")),
    base: (amount) => ruleBase(event.reward, amount),
    promotions: (at) => promotionMultiplier(event.promotions, event.stack, new Date(at)),
  };
}

/** The fields a prepared form is built from, compared on every lookup. */
const SOURCES = [
  "window",
  "reward",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation",
] as const satisfies readonly (keyof CoinEvent)[];

interface Prepared {
  /** The sources it was built from, or `undefined` for an event that cannot change (see `markFrozenData`). */
  readonly sources: readonly unknown[] | undefined;
  readonly parts: EventParts;
}

const prepared = new WeakMap<object, Prepared>();

/** The parts of `event`, prepared once per event object (see the module note). */
export function eventParts(event: CoinEvent): EventParts {
  if (typeof event !== "object" || event === null) return directParts(event);
  const known = prepared.get(event);
  if (known !== undefined && (known.sources === undefined || sameSources(event, known.sources))) {
    return known.parts;
  }
  const sources = isFrozenData(event) ? undefined : SOURCES.map((key) => event[key]);
  const parts = prepareParts(event);
  prepared.set(event, { sources, parts });
  return parts;
}

function sameSources(event: CoinEvent, sources: readonly unknown[]): boolean {
  for (let i = 0; i < SOURCES.length; i++) {
    if (event[SOURCES[i] as (typeof SOURCES)[number]] !== sources[i]) return false;
  }
  return true;
}

function prepareParts(event: CoinEvent): EventParts {
  const direct = directParts(event);
  const activation = attempt(() => activationResolver(event.activation));
  const expiry = attempt(() => expiryResolver(event.expiry));
  const limits = attempt(() => prepareCaps(event.caps));
  const activity = attempt(() => prepareActivity(event.window));
  const minAmount = attempt(() =>
    event.minAmount === undefined ? null : parseDecimal(event.minAmount, "minAmount"),
  );
  const base = attempt(() => prepareBase(event.reward) ?? FAILED);
  const promotions = attempt(() => preparePromotions(event.promotions, event.stack));
  return {
    availableAt: activation === FAILED ? direct.availableAt : activation,
    expiresAt: expiry === FAILED ? direct.expiresAt : expiry,
    limits: limits === FAILED ? direct.limits : limits,
    activity: activity === FAILED ? direct.activity : activity,
    below:
      minAmount === FAILED
        ? direct.below
        : (e, amount) =>
            e.minAmount !== undefined &&
            amount !== undefined &&
            minAmount !== null &&
            amount.lt(minAmount),
    base: base === FAILED ? direct.base : base,
    promotions: promotions === FAILED ? direct.promotions : promotions,
  };
}

const FAILED: unique symbol = Symbol("not prepared");

/** `read()`, or `FAILED` when it throws: that part is then read directly, which reports the problem. */
function attempt<T>(read: () => T | typeof FAILED): T | typeof FAILED {
  try {
    return read();
  } catch {
    return FAILED;
  }
}
