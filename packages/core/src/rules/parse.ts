/**
 * Validation of coin events. `parseEvent` turns untrusted input (JSON from
 * an HTTP body, a row from a store) into a `CoinEvent` or throws one
 * `INVALID_INPUT` listing every problem with its path
 * (`reward.tiers[1].from`). Nothing else is ever thrown, whatever the input.
 *
 * The result is canonical, so `parseEvent(parseEvent(x))` equals
 * `parseEvent(x)`: decimals are strings without exponent or trailing zeros
 * (`12.50` and `12.5` both become `"12.5"`), instants are `toISOString()`
 * in UTC, and `name`, `status`, `version` and a tiered rule's `mode` are
 * filled in. Optional fields left out stay out.
 */
import { invalidInput } from "../errors.js";
import { join, markFrozenData, readInput } from "../input.js";
import { formatInstant, parseInstant } from "../time/instant.js";
import {
  checkKeys,
  decimalAt,
  decimalStringAt,
  describe,
  has,
  Issues,
  integerAt,
  isPlainObject,
  type Obj,
  objectAt,
  oneOf,
  own,
  textAt,
  textProblem,
} from "./check.js";
import { type Duration, neverOutlasts } from "./durations.js";
import type {
  ActivationRule,
  CalendarUnit,
  CapPeriod,
  Caps,
  CoinEvent,
  DateRule,
  EventStatus,
  ExpiryRule,
  PerUserCap,
  Promotion,
  RewardRule,
  Tier,
} from "./types.js";

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

const EVENT_KEYS = [
  "id",
  "name",
  "status",
  "window",
  "reward",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation",
  "metadata",
  "version",
] as const;
type EventKey = (typeof EVENT_KEYS)[number];
/** Fields that may be removed by patching them to `null`. */
const OPTIONAL_KEYS: readonly EventKey[] = [
  "window",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation",
  "metadata",
];
const STATUSES: readonly EventStatus[] = ["active", "paused", "archived"];
const STACKS = ["max", "multiply"] as const;
const PERIODS: readonly CapPeriod[] = ["day", "week", "month", "year", "lifetime"];
const UNITS: readonly CalendarUnit[] = ["day", "week", "month", "quarter", "year"];
const DURATION_KEYS = ["years", "months", "days", "hours"] as const;

/**
 * Validate a coin event (numbers are accepted where they are exact) and
 * return it in canonical form, `version` 1 unless given. The input is read
 * once (a getter or Proxy that throws is `INVALID_INPUT` at its path); the
 * event returned is deeply frozen, so no later change can make it differ
 * from what was validated.
 */
export function parseEvent(input: unknown): CoinEvent {
  const issues = new Issues();
  const event = readEvent(readInput(input, ""), issues);
  if (event === undefined || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep(event));
}

/**
 * Apply a patch to an event: each top-level field in `patch` replaces the
 * event's field whole (`reward`, `caps`, … are not merged deeply); `null`
 * removes an optional field. `id` and `version` cannot be patched. The
 * result is validated again, deeply frozen, and its `version` is one more
 * than the event's.
 */
export function parseEventPatch(event: CoinEvent, input: unknown): CoinEvent {
  const issues = new Issues();
  const current = readInput(event, "event") as CoinEvent;
  const patch = readInput(input, "");
  if (!isPlainObject(patch)) {
    throw invalidInput({
      path: "",
      message: `expected an object of fields to change, got ${describe(patch)}`,
    });
  }
  const merged: Record<string, unknown> = {};
  if (isPlainObject(current)) {
    for (const key of EVENT_KEYS) {
      if (Object.hasOwn(current, key)) merged[key] = (current as unknown as Obj)[key];
    }
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === "id") {
      issues.add("id", "cannot be changed; create a new event instead");
    } else if (key === "version") {
      issues.add("version", "is set by coinage; pass expectedVersion to guard an update");
    } else if (!(EVENT_KEYS as readonly string[]).includes(key)) {
      issues.add(
        join("", key),
        `unknown key; expected one of ${EVENT_KEYS.filter((k) => k !== "id" && k !== "version").join(", ")}`,
      );
    } else if (value === undefined) {
      // An absent field: nothing to change.
    } else if (value === null) {
      if ((OPTIONAL_KEYS as readonly string[]).includes(key)) delete merged[key];
      else issues.add(key, "cannot be removed");
    } else {
      merged[key] = value;
    }
  }
  const next = readEvent(merged, issues);
  if (next === undefined || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep({ ...next, version: next.version + 1 }));
}

/** `value` with every object and array in it frozen; it is returned. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) freezeDeep(item);
  }
  return value;
}

function readEvent(input: unknown, issues: Issues): CoinEvent | undefined {
  const obj = objectAt(input, "", issues);
  if (obj === undefined) return undefined;
  checkKeys(obj, EVENT_KEYS, "", issues);

  const id = textAt(own(obj, "id"), "id", issues, eventLimits.idLength);
  const name = has(obj, "name")
    ? textAt(own(obj, "name"), "name", issues, eventLimits.nameLength)
    : id;
  const status = has(obj, "status")
    ? oneOf(own(obj, "status"), STATUSES, "status", issues)
    : "active";
  const window = has(obj, "window") ? readWindow(own(obj, "window"), issues) : undefined;
  const reward = readReward(own(obj, "reward"), issues);
  const promotions = has(obj, "promotions")
    ? readPromotions(own(obj, "promotions"), issues)
    : undefined;
  const stack = has(obj, "stack") ? oneOf(own(obj, "stack"), STACKS, "stack", issues) : undefined;
  const caps = has(obj, "caps") ? readCaps(own(obj, "caps"), issues) : undefined;
  const minAmount = has(obj, "minAmount")
    ? decimalStringAt(own(obj, "minAmount"), "minAmount", issues, { min: "0" })
    : undefined;
  const expiry = has(obj, "expiry") ? readExpiry(own(obj, "expiry"), issues) : undefined;
  const activation = has(obj, "activation")
    ? readActivation(own(obj, "activation"), issues)
    : undefined;
  if (expiry !== undefined && activation !== undefined) {
    checkExpiryAfterActivation(expiry, activation, issues);
  }
  const metadata = has(obj, "metadata") ? readMetadata(own(obj, "metadata"), issues) : undefined;
  const version = has(obj, "version")
    ? integerAt(own(obj, "version"), "version", issues, 1, eventLimits.version)
    : 1;

  if (
    id === undefined ||
    name === undefined ||
    status === undefined ||
    reward === undefined ||
    version === undefined
  ) {
    return undefined;
  }
  return {
    id,
    name,
    status,
    ...(window === undefined ? {} : { window }),
    reward,
    ...(promotions === undefined ? {} : { promotions }),
    ...(stack === undefined ? {} : { stack }),
    ...(caps === undefined ? {} : { caps }),
    ...(minAmount === undefined ? {} : { minAmount }),
    ...(expiry === undefined ? {} : { expiry }),
    ...(activation === undefined ? {} : { activation }),
    ...(metadata === undefined ? {} : { metadata }),
    version,
  };
}

function instantAt(value: unknown, path: string, issues: Issues): number | undefined {
  if (value === undefined) return issues.add(path, "is required");
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.ms : issues.add(path, parsed.message);
}

function readWindow(value: unknown, issues: Issues): CoinEvent["window"] | undefined {
  const obj = objectAt(value, "window", issues);
  if (obj === undefined) return undefined;
  checkKeys(obj, ["from", "until"], "window", issues);
  if (!has(obj, "from") && !has(obj, "until"))
    return issues.add("window", "needs from, until or both");
  const from = has(obj, "from") ? instantAt(own(obj, "from"), "window.from", issues) : undefined;
  const until = has(obj, "until")
    ? instantAt(own(obj, "until"), "window.until", issues)
    : undefined;
  if (from !== undefined && until !== undefined && !(from < until)) {
    return issues.add("window.until", "must be after window.from");
  }
  return {
    ...(from === undefined ? {} : { from: formatInstant(from) }),
    ...(until === undefined ? {} : { until: formatInstant(until) }),
  };
}

function readReward(value: unknown, issues: Issues): RewardRule | undefined {
  const obj = objectAt(value, "reward", issues);
  if (obj === undefined) return undefined;
  const kind = oneOf(
    own(obj, "kind"),
    ["fixed", "percentage", "tiered"] as const,
    "reward.kind",
    issues,
  );
  switch (kind) {
    case "fixed": {
      checkKeys(obj, ["kind", "coins"], "reward", issues);
      const coins = decimalStringAt(own(obj, "coins"), "reward.coins", issues, {
        min: "0",
        above: true,
      });
      return coins === undefined ? undefined : { kind, coins };
    }
    case "percentage": {
      checkKeys(obj, ["kind", "percent"], "reward", issues);
      const percent = decimalStringAt(own(obj, "percent"), "reward.percent", issues, {
        min: "0",
        above: true,
        max: eventLimits.percent,
      });
      return percent === undefined ? undefined : { kind, percent };
    }
    case "tiered":
      checkKeys(obj, ["kind", "mode", "tiers"], "reward", issues);
      return readTiered(obj, issues);
    default:
      return undefined;
  }
}

function readTiered(obj: Obj, issues: Issues): RewardRule | undefined {
  const mode = has(obj, "mode")
    ? oneOf(own(obj, "mode"), ["flat", "progressive"] as const, "reward.mode", issues)
    : "flat";
  const list = own(obj, "tiers");
  if (!Array.isArray(list))
    return issues.add("reward.tiers", `expected an array of tiers, got ${describe(list)}`);
  if (list.length === 0) return issues.add("reward.tiers", "needs at least one tier");
  if (list.length > eventLimits.tiers)
    return issues.add("reward.tiers", `at most ${eventLimits.tiers} tiers`);
  const tiers: Tier[] = [];
  let previous: ReturnType<typeof decimalAt>;
  let valid = true;
  for (let i = 0; i < list.length; i++) {
    const path = `reward.tiers[${i}]`;
    const tier = objectAt(list[i], path, issues);
    if (tier === undefined) {
      valid = false;
      previous = undefined;
      continue;
    }
    checkKeys(tier, ["from", "percent", "coins"], path, issues);
    const from = decimalAt(own(tier, "from"), `${path}.from`, issues, { min: "0" });
    if (from !== undefined) {
      if (i === 0 && !from.isZero()) issues.add(`${path}.from`, "the first tier must start at 0");
      if (previous !== undefined && !from.gt(previous)) {
        issues.add(
          `${path}.from`,
          `must be greater than the previous tier's from (${previous.toFixed()})`,
        );
      }
    }
    previous = from;
    const hasPercent = has(tier, "percent");
    const hasCoins = has(tier, "coins");
    let parsed: Tier | undefined;
    if (hasPercent === hasCoins) {
      issues.add(path, "needs exactly one of percent or coins");
    } else if (hasPercent) {
      const percent = decimalStringAt(own(tier, "percent"), `${path}.percent`, issues, {
        min: "0",
        max: eventLimits.percent,
      });
      if (from !== undefined && percent !== undefined) parsed = { from: canonical(from), percent };
    } else {
      if (mode === "progressive") {
        issues.add(
          `${path}.coins`,
          "progressive tiers pay a percent of each slice; use percent, or mode flat",
        );
      }
      const coins = decimalStringAt(own(tier, "coins"), `${path}.coins`, issues, { min: "0" });
      if (from !== undefined && coins !== undefined) parsed = { from: canonical(from), coins };
    }
    if (parsed === undefined) valid = false;
    else tiers.push(parsed);
  }
  if (!valid || mode === undefined) return undefined;
  return { kind: "tiered", mode, tiers };
}

function canonical(d: NonNullable<ReturnType<typeof decimalAt>>): string {
  return d.isZero() ? "0" : d.toFixed();
}

function readPromotions(value: unknown, issues: Issues): Promotion[] | undefined {
  if (!Array.isArray(value))
    return issues.add("promotions", `expected an array, got ${describe(value)}`);
  if (value.length > eventLimits.promotions) {
    return issues.add("promotions", `at most ${eventLimits.promotions} promotions`);
  }
  const promotions: Promotion[] = [];
  const seen = new Set<string>();
  let valid = true;
  for (let i = 0; i < value.length; i++) {
    const path = `promotions[${i}]`;
    const obj = objectAt(value[i], path, issues);
    if (obj === undefined) {
      valid = false;
      continue;
    }
    checkKeys(obj, ["id", "multiplier", "from", "until"], path, issues);
    const id = textAt(own(obj, "id"), `${path}.id`, issues, eventLimits.idLength);
    if (id !== undefined) {
      if (seen.has(id)) issues.add(`${path}.id`, `duplicate promotion id ${JSON.stringify(id)}`);
      seen.add(id);
    }
    const multiplier = decimalStringAt(own(obj, "multiplier"), `${path}.multiplier`, issues, {
      min: "0",
      above: true,
      max: eventLimits.multiplier,
    });
    const from = instantAt(own(obj, "from"), `${path}.from`, issues);
    const until = instantAt(own(obj, "until"), `${path}.until`, issues);
    if (from !== undefined && until !== undefined && !(from < until)) {
      issues.add(`${path}.until`, "must be after from");
      valid = false;
    }
    if (id === undefined || multiplier === undefined || from === undefined || until === undefined) {
      valid = false;
      continue;
    }
    promotions.push({ id, multiplier, from: formatInstant(from), until: formatInstant(until) });
  }
  return valid ? promotions : undefined;
}

function readCaps(value: unknown, issues: Issues): Caps | undefined {
  const obj = objectAt(value, "caps", issues);
  if (obj === undefined) return undefined;
  checkKeys(obj, ["perAllocation", "perUser", "budget"], "caps", issues);
  const positive = { min: "0", above: true } as const;
  const perAllocation = has(obj, "perAllocation")
    ? decimalStringAt(own(obj, "perAllocation"), "caps.perAllocation", issues, positive)
    : undefined;
  const budget = has(obj, "budget")
    ? decimalStringAt(own(obj, "budget"), "caps.budget", issues, positive)
    : undefined;
  let perUser: PerUserCap[] | undefined;
  if (has(obj, "perUser")) {
    const list = own(obj, "perUser");
    if (!Array.isArray(list)) {
      issues.add("caps.perUser", `expected an array of { coins, period }, got ${describe(list)}`);
    } else if (list.length > PERIODS.length) {
      issues.add("caps.perUser", `at most ${PERIODS.length} caps, one per period`);
    } else {
      perUser = [];
      const seen = new Set<string>();
      for (let i = 0; i < list.length; i++) {
        const path = `caps.perUser[${i}]`;
        const cap = objectAt(list[i], path, issues);
        if (cap === undefined) continue;
        checkKeys(cap, ["coins", "period"], path, issues);
        const coins = decimalStringAt(own(cap, "coins"), `${path}.coins`, issues, positive);
        const period = oneOf(own(cap, "period"), PERIODS, `${path}.period`, issues);
        if (period !== undefined) {
          if (seen.has(period))
            issues.add(`${path}.period`, `duplicate period ${JSON.stringify(period)}`);
          seen.add(period);
        }
        if (coins !== undefined && period !== undefined) perUser.push({ coins, period });
      }
    }
  }
  return {
    ...(perAllocation === undefined ? {} : { perAllocation }),
    ...(perUser === undefined ? {} : { perUser }),
    ...(budget === undefined ? {} : { budget }),
  };
}

/**
 * Coins must be able to outlast their activation delay. When both rules are
 * durations, an expiry that can never be longer than the activation (say 7
 * days against 30, or a month against 31 days) is refused at both fields;
 * other rules are checked per allocation, which then earns nothing.
 */
function checkExpiryAfterActivation(
  expiry: ExpiryRule,
  activation: ActivationRule,
  issues: Issues,
): void {
  if (!isDuration(expiry) || !isDuration(activation)) return;
  if (!neverOutlasts(expiry, activation)) return;
  issues.add(
    "expiry",
    "is never longer than the activation delay: coins would expire before they become spendable",
  );
  issues.add(
    "activation",
    "is never shorter than the expiry: coins would expire before they become spendable",
  );
}

function isDuration(rule: ExpiryRule | ActivationRule): rule is Duration {
  return typeof rule === "object" && !("at" in rule) && !("endOf" in rule);
}

function readExpiry(value: unknown, issues: Issues): ExpiryRule | undefined {
  if (value === "never") return "never";
  return readDateRule(value, "expiry", '"never"', issues);
}

function readActivation(value: unknown, issues: Issues): ActivationRule | undefined {
  if (value === "immediately") return "immediately";
  return readDateRule(value, "activation", '"immediately"', issues);
}

function readDateRule(
  value: unknown,
  path: string,
  keyword: string,
  issues: Issues,
): DateRule | undefined {
  if (!isPlainObject(value)) {
    return issues.add(
      path,
      `expected ${keyword}, a duration such as { "days": 90 }, { "endOf": "month", "plus": 3 } or { "at": "2026-12-31T00:00:00Z" }; got ${typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : describe(value)}`,
    );
  }
  if (has(value, "at")) {
    checkKeys(value, ["at"], path, issues);
    const at = instantAt(own(value, "at"), `${path}.at`, issues);
    return at === undefined ? undefined : { at: formatInstant(at) };
  }
  if (has(value, "endOf")) {
    checkKeys(value, ["endOf", "plus"], path, issues);
    const endOf = oneOf(own(value, "endOf"), UNITS, `${path}.endOf`, issues);
    const plus = has(value, "plus")
      ? integerAt(own(value, "plus"), `${path}.plus`, issues, 0, eventLimits.plus)
      : 0;
    if (endOf === undefined || plus === undefined) return undefined;
    return has(value, "plus") ? { endOf, plus } : { endOf };
  }
  checkKeys(value, DURATION_KEYS, path, issues);
  const result: { years?: number; months?: number; days?: number; hours?: number } = {};
  let valid = true;
  let positive = false;
  for (const unit of DURATION_KEYS) {
    if (!has(value, unit)) continue;
    const n = integerAt(own(value, unit), `${path}.${unit}`, issues, 0, eventLimits[unit]);
    if (n === undefined) valid = false;
    else {
      result[unit] = n;
      if (n > 0) positive = true;
    }
  }
  if (!valid) return undefined;
  if (!positive) {
    return issues.add(
      path,
      `a duration needs at least one of ${DURATION_KEYS.join(", ")} greater than 0`,
    );
  }
  return result;
}

/**
 * Metadata: a plain JSON object (strings, finite numbers, booleans, null,
 * arrays, objects), at most `metadataDepth` levels and about
 * `metadataChars` characters of JSON. Keys named `__proto__` are rejected so
 * that no consumer copying the metadata can have a prototype replaced.
 * The result is a deep copy.
 */
function readMetadata(value: unknown, issues: Issues): Record<string, unknown> | undefined {
  if (!isPlainObject(value))
    return issues.add("metadata", `expected an object, got ${describe(value)}`);
  const budget: Budget = { chars: 0, exceeded: false, issues };
  const before = issues.count;
  const copy = copyJson(value, "metadata", 1, budget);
  if (issues.count > before || !isPlainObject(copy)) return undefined;
  return copy as Record<string, unknown>;
}

const TOO_LARGE = Symbol("too large");

interface Budget {
  chars: number;
  exceeded: boolean;
  readonly issues: Issues;
}

/** Counts `n` characters against the metadata size; false (and one issue) once it is exceeded. */
function charge(budget: Budget, n: number): boolean {
  budget.chars += n;
  if (budget.chars > eventLimits.metadataChars && !budget.exceeded) {
    budget.exceeded = true;
    budget.issues.add(
      "metadata",
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
