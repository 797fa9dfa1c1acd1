/**
 * The one definition of a coin event (see `shape.ts`): `EventInput`,
 * `EventPatch`, `CoinEvent` and the rule types are derived from it, so is
 * `parseEvent`, and so is the JSON Schema in `@coinage/core/json-schema`.
 * Changing a field here changes all three.
 */

import { join } from "../input.js";
import { describe, isPlainObject, objectAt, textProblem } from "./check.js";
import { type Duration, neverOutlasts } from "./durations.js";
import { levelLimits, levelMultiplierShape } from "./levels.js";
import {
  array,
  ascending,
  type Ctx,
  decimal,
  enumOf,
  instant,
  integer,
  keywordOr,
  leaf,
  object,
  optional,
  tagged,
  text,
  unique,
  withDefault,
} from "./shape.js";

/** Limits that keep one event small enough to store, send and evaluate cheaply. */
export const eventLimits = {
  idLength: 200,
  nameLength: 200,
  tiers: 100,
  promotions: 100,
  /** Upper bound of a percentage (a 1000% reward is already ten times the amount). */
  percent: "1000",
  multiplier: "1000",
  metadataDepth: 10,
  /** Approximate size of the metadata as JSON text. */
  metadataChars: 16_384,
  metadataKeyLength: 200,
  days: 36_600,
  months: 1_200,
  years: 100,
  hours: 878_400,
  plus: 1_000,
  version: Number.MAX_SAFE_INTEGER,
} as const;

const positive = { min: "0", above: true } as const;
const nonNegative = { min: "0" } as const;

/**
 * `until` after the `from` parsed before it, or an issue at `until`. Both are
 * `toISOString()` of years 1970 to 9999, which sort as text as they do in time.
 */
function after(message: string) {
  return (path: string, ctx: Ctx, until: unknown): boolean | undefined => {
    const from = ctx.out.from as string | undefined;
    if (from === undefined || until === undefined || from < (until as string)) return;
    ctx.issues.add(path, message);
    return false;
  };
}

// ---------------------------------------------------------------------------
// Rewards

export const fixedRewardShape = object({
  kind: enumOf(["fixed"]),
  coins: decimal(positive),
});

export const percentageRewardShape = object({
  kind: enumOf(["percentage"]),
  percent: decimal({ ...positive, max: eventLimits.percent }),
});

export const tierShape = object(
  { from: decimal(nonNegative) },
  {
    one: {
      percent: decimal({ ...nonNegative, max: eventLimits.percent }),
      coins: decimal(nonNegative),
    },
    after: {
      /** The first tier starts at 0, each later one above the one before. */
      from(path, ctx, from) {
        const list = ctx.list as NonNullable<Ctx["list"]>;
        if (list.i === 0 && typeof from === "string" && from !== "0")
          ctx.issues.add(path, "the first tier must start at 0");
        ascending("tier")(path, ctx, from);
      },
    },
    before: {
      coins(path, ctx) {
        if (ctx.up?.out.mode === "progressive") {
          ctx.issues.add(
            path,
            "progressive tiers pay a percent of each slice; use percent, or mode flat",
          );
        }
      },
    },
  },
);

export const tieredRewardShape = object({
  kind: enumOf(["tiered"]),
  /** `flat`: the whole amount at the tier it falls in; `progressive`: each slice at its own tier's rate (percent tiers only). */
  mode: withDefault(enumOf(["flat", "progressive"]), "flat"),
  /** Sorted by `from`, the first starting at 0. */
  tiers: array(tierShape, {
    of: "tiers",
    min: 1,
    tooFew: "needs at least one tier",
    max: eventLimits.tiers,
    tooMany: `at most ${eventLimits.tiers} tiers`,
  }),
});

export const rewardShape = tagged("kind", [
  fixedRewardShape,
  percentageRewardShape,
  tieredRewardShape,
]);

// ---------------------------------------------------------------------------
// Promotions and caps

export const promotionShape = object(
  {
    id: text(eventLimits.idLength),
    /** E.g. `"2"` for double coins. */
    multiplier: decimal({ ...positive, max: eventLimits.multiplier }),
    from: instant(),
    until: instant(),
  },
  { after: { id: unique("ids", "promotion id"), until: after("must be after from") } },
);

export const capPeriodShape = enumOf(["day", "week", "month", "year", "lifetime"]);

export const perUserCapShape = object(
  { coins: decimal(positive), period: capPeriodShape },
  { after: { period: unique("periods", "period") } },
);

export const capsShape = object(
  {
    /** Most coins one allocation can earn. */
    perAllocation: optional(decimal(positive)),
    /** Most coins one user can earn from this event per period (calendar periods in the program's time zone). */
    perUser: optional(
      array(perUserCapShape, {
        of: "{ coins, period }",
        max: capPeriodShape.values.length,
        tooMany: `at most ${capPeriodShape.values.length} caps, one per period`,
      }),
    ),
    /** Most coins this event can hand out in total, across all users. */
    budget: optional(decimal(positive)),
  },
  { last: "perUser" },
);

// ---------------------------------------------------------------------------
// Date rules

const DURATION_UNITS = ["years", "months", "days", "hours"] as const;

export const durationShape = object(
  {
    years: optional(integer(0, eventLimits.years)),
    months: optional(integer(0, eventLimits.months)),
    days: optional(integer(0, eventLimits.days)),
    hours: optional(integer(0, eventLimits.hours)),
  },
  {
    post(out, path, ctx) {
      if (DURATION_UNITS.some((unit) => ((out[unit] as number | undefined) ?? 0) > 0)) return true;
      ctx.issues.add(
        path,
        `a duration needs at least one of ${DURATION_UNITS.join(", ")} greater than 0`,
      );
      return false;
    },
  },
);

export const calendarUnitShape = enumOf(["day", "week", "month", "quarter", "year"]);

export const endOfShape = object({
  endOf: calendarUnitShape,
  /** More units after the current one; 0 by default. */
  plus: optional(integer(0, eventLimits.plus)),
});

export const atShape = object({ at: instant() });

/** Branches are chosen by their first field (`at`, `endOf`), the duration otherwise. */
const dateRules = [atShape, endOfShape, durationShape] as const;
const DATE_RULE_HINT =
  'a duration such as { "days": 90 }, { "endOf": "month", "plus": 3 } or { "at": "2026-12-31T00:00:00Z" }';

export const expiryShape = keywordOr("never", dateRules, DATE_RULE_HINT);
export const activationShape = keywordOr("immediately", dateRules, DATE_RULE_HINT);

/**
 * Coins must be able to outlast their activation delay. When both rules are
 * durations, an expiry that can never be longer than the activation (say 7
 * days against 30, or a month against 31 days) is refused at both fields;
 * other rules are checked per allocation, which then earns nothing.
 */
function checkExpiryAfterActivation(_path: string, ctx: Ctx, activation: unknown): undefined {
  const expiry = ctx.out.expiry;
  if (!isDuration(expiry) || !isDuration(activation)) return;
  if (!neverOutlasts(expiry, activation)) return;
  ctx.issues.add(
    "expiry",
    "is never longer than the activation delay: coins would expire before they become spendable",
  );
  ctx.issues.add(
    "activation",
    "is never shorter than the expiry: coins would expire before they become spendable",
  );
}

function isDuration(rule: unknown): rule is Duration {
  return typeof rule === "object" && rule !== null && !("at" in rule) && !("endOf" in rule);
}

// ---------------------------------------------------------------------------
// Metadata

/**
 * Metadata: a plain JSON object (strings, finite numbers, booleans, null,
 * arrays, objects), at most `metadataDepth` levels and about
 * `metadataChars` characters of JSON. Keys named `__proto__` are rejected so
 * that no consumer copying the metadata can have a prototype replaced.
 * The result is a deep copy.
 */
export const metadataShape = leaf<Readonly<Record<string, unknown>>>((value, path, ctx) => {
  const issues = ctx.issues;
  if (objectAt(value, path, issues) === undefined) return undefined;
  const budget: Budget = { chars: 0, exceeded: false, issues, path };
  const before = issues.count;
  const copy = copyJson(value, path, 1, budget);
  if (issues.count > before || !isPlainObject(copy)) return undefined;
  return copy;
});

const TOO_LARGE = Symbol("too large");

interface Budget {
  chars: number;
  exceeded: boolean;
  readonly issues: Ctx["issues"];
  /** Where the metadata is, for the one issue when it is too large. */
  readonly path: string;
}

/** Counts `n` characters against the metadata size; false (and one issue) once it is exceeded. */
function charge(budget: Budget, n: number): boolean {
  budget.chars += n;
  if (budget.chars > eventLimits.metadataChars && !budget.exceeded) {
    budget.exceeded = true;
    budget.issues.add(
      budget.path,
      `must be at most about ${eventLimits.metadataChars} characters as JSON`,
    );
  }
  return !budget.exceeded;
}

function copyJson(value: unknown, path: string, depth: number, budget: Budget): unknown {
  const issues = budget.issues;
  if (value === null || typeof value === "boolean") {
    return charge(budget, 5) ? value : TOO_LARGE;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return issues.add(path, "numbers must be finite");
    return charge(budget, 24) ? (value === 0 ? 0 : value) : TOO_LARGE;
  }
  if (typeof value === "string") {
    if (!charge(budget, value.length + 2)) return TOO_LARGE;
    const problem = textProblem(value);
    return problem === null ? value : issues.add(path, problem);
  }
  if (depth > eventLimits.metadataDepth && (Array.isArray(value) || isPlainObject(value))) {
    return issues.add(path, `nested deeper than ${eventLimits.metadataDepth} levels`);
  }
  if (Array.isArray(value)) {
    if (!charge(budget, 2 + value.length)) return TOO_LARGE;
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = copyJson(value[i], join(path, i), depth + 1, budget);
      if (item === TOO_LARGE) return TOO_LARGE;
      out.push(item);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (!charge(budget, 2 + keys.length * 4)) return TOO_LARGE;
    const entries: [string, unknown][] = [];
    for (const key of keys) {
      const keyPath = join(path, key);
      if (!charge(budget, key.length)) return TOO_LARGE;
      if (key === "__proto__") {
        issues.add(keyPath, "the key __proto__ is not allowed");
        continue;
      }
      if (key.length > eventLimits.metadataKeyLength) {
        issues.add(keyPath, `keys must be at most ${eventLimits.metadataKeyLength} characters`);
        continue;
      }
      const problem = textProblem(key);
      if (problem !== null) {
        issues.add(keyPath, `key ${problem}`);
        continue;
      }
      const item = copyJson(value[key], keyPath, depth + 1, budget);
      if (item === TOO_LARGE) return TOO_LARGE;
      entries.push([key, item]);
    }
    return Object.fromEntries(entries);
  }
  return issues.add(
    path,
    `expected a JSON value, got ${value === undefined ? "undefined" : describe(value)}`,
  );
}

// ---------------------------------------------------------------------------
// The event

export const eventWindowShape = object(
  { from: optional(instant()), until: optional(instant()) },
  {
    after: { until: after("must be after window.from") },
    // Only when neither was sent: a field that was sent and failed stops before this.
    post(out, path, ctx) {
      if (out.from !== undefined || out.until !== undefined) return true;
      ctx.issues.add(path, "needs from, until or both");
      return false;
    },
  },
);

export const eventShape = object(
  {
    id: text(eventLimits.idLength),
    /** The `id` by default. */
    name: withDefault(text(eventLimits.nameLength), (out) => out.id),
    status: withDefault(enumOf(["active", "paused", "archived"]), "active"),
    /** Allocations are accepted only inside `[from, until)` when set. */
    window: optional(eventWindowShape),
    reward: rewardShape,
    /** Multipliers, each active in `[from, until)`. */
    promotions: optional(
      array(promotionShape, {
        max: eventLimits.promotions,
        tooMany: `at most ${eventLimits.promotions} promotions`,
      }),
    ),
    /** How several active promotions combine; `"max"` by default. */
    stack: optional(enumOf(["max", "multiply"])),
    /**
     * Multipliers for members of the program's levels (`[{ level: "GOLD",
     * multiplier: "1.25" }]`), applied with the promotions' multiplier.
     */
    levels: optional(
      array(levelMultiplierShape, {
        of: "{ level, multiplier }",
        max: levelLimits.levels,
        tooMany: `at most ${levelLimits.levels} level multipliers`,
      }),
    ),
    caps: optional(capsShape),
    /** Transactions below this amount earn nothing. */
    minAmount: optional(decimal(nonNegative)),
    /** When earned coins expire; `"never"` by default. */
    expiry: optional(expiryShape),
    /** When earned coins become spendable; immediately by default. */
    activation: optional(activationShape),
    /** Free-form labels for the caller (JSON values only). */
    metadata: optional(metadataShape),
    /** Bumped by every update; 1 on creation. */
    version: withDefault(integer(1, eventLimits.version), 1),
  },
  { after: { activation: checkExpiryAfterActivation } },
);
