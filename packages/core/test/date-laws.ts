/**
 * The laws expiry, activation and calendar periods obey in every zone, as
 * fast-check properties. The unit tests assert them in-process
 * (`src/time/dates.test.ts`, `src/time/periods.test.ts`); the host-zone test
 * runs them again, with a fixed seed, in processes whose own time zone
 * differs, and compares what they computed.
 *
 * Wall-clock readings here go through `Intl.DateTimeFormat` directly, not
 * through the code under test.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CapPeriod, DateRule, ExpiryRule } from "../src/index.js";
import { periodKey, resolveActivation, resolveExpiry } from "../src/index.js";

export const LAW_ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "Pacific/Chatham",
  "Asia/Kathmandu",
] as const;

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock `"YYYY-MM-DD HH:mm"` of an instant in a zone (or `"never"`), read with `Intl`. */
export function local(d: Date | null, zone: string): string {
  if (d === null) return "never";
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(zone, format);
  }
  const part = Object.fromEntries(format.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** Instants from 2024 to 2030, biased towards DST-change days. */
export const instants = fc.oneof(
  fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) }).map((ms) => new Date(ms)),
  fc
    .tuple(
      fc.constantFrom(
        "2026-03-08T06:00:00Z",
        "2026-03-29T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-11-01T05:30:00Z",
        "2026-10-03T15:30:00Z",
        "2026-04-04T14:30:00Z",
      ),
      fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }),
    )
    .map(([base, offset]) => new Date(Date.parse(base) + offset)),
);
const zones = fc.constantFrom(...LAW_ZONES);
const units = fc.constantFrom("day", "week", "month", "quarter", "year" as const);
export const dateRules: fc.Arbitrary<DateRule> = fc.oneof(
  fc
    .record(
      {
        years: fc.integer({ min: 0, max: 5 }),
        months: fc.integer({ min: 0, max: 30 }),
        days: fc.integer({ min: 0, max: 400 }),
        hours: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    )
    .filter((r) => Object.values(r).some((n) => n > 0)),
  fc.record({ endOf: units, plus: fc.integer({ min: 0, max: 24 }) }, { requiredKeys: ["endOf"] }),
  fc
    .integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2032, 0, 1) })
    .map((ms) => ({ at: new Date(ms).toISOString() })),
);
const expiryRules: fc.Arbitrary<ExpiryRule> = fc.oneof(dateRules, fc.constant("never" as const));
const periods = fc.constantFrom<CapPeriod>("day", "week", "month", "year");
const unitOf = { day: "day", week: "week", month: "month", year: "year" } as const;

/** One law: a property for `fc.assert`, and a seeded run that reports what it computed. */
export interface DateLaw {
  readonly name: string;
  readonly numRuns: number;
  property(): fc.IProperty<[unknown]>;
  /**
   * The law on `numRuns` inputs drawn with `seed`: per input, what it
   * computed, or the violation (inputs a precondition rules out are marked
   * skipped).
   */
  run(seed: number): unknown[];
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function law<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => unknown,
  options: { numRuns?: number; applies?: (input: T) => boolean } = {},
): DateLaw {
  const { numRuns = 100, applies = () => true } = options;
  return {
    name,
    numRuns,
    property: () =>
      fc.property(arbitrary as fc.Arbitrary<unknown>, (input) => {
        fc.pre(applies(input as T));
        check(input as T);
      }),
    run: (seed) =>
      fc.sample(arbitrary, { seed, numRuns }).map((input) => {
        const shown = JSON.parse(JSON.stringify(input)) as unknown;
        if (!applies(input)) return { input: shown, skipped: true };
        try {
          return { input: shown, computed: check(input) };
        } catch (error) {
          return {
            input: shown,
            violation: error instanceof Error ? error.message : String(error),
          };
        }
      }),
  };
}

/** Laws of expiry and activation instants. */
export const expiryLaws: readonly DateLaw[] = [
  law(
    "expiry is always after the earning instant",
    fc.tuple(expiryRules, instants, zones),
    ([rule, earned, zone]) => {
      const expiry = resolveExpiry(rule, earned, zone);
      if (rule === "never") assert.equal(expiry, null);
      else assert.ok((expiry?.getTime() ?? 0) > earned.getTime(), `expiry ${iso(expiry)}`);
      return iso(expiry);
    },
    { numRuns: 500 },
  ),
  law(
    "activation is never before the earning instant",
    fc.tuple(dateRules, instants, zones),
    ([rule, earned, zone]) => {
      const activation = resolveActivation(rule, earned, zone);
      assert.ok(activation.getTime() >= earned.getTime(), `activation ${iso(activation)}`);
      return iso(activation);
    },
  ),
  law(
    "end of a unit is a local midnight, and the end of a day is within 25 hours",
    fc.tuple(units, instants, zones),
    ([unit, earned, zone]) => {
      const expiry = resolveExpiry({ endOf: unit }, earned, zone);
      assert.match(local(expiry, zone), / 00:00$/);
      if (unit === "day")
        assert.ok((expiry?.getTime() ?? 0) - earned.getTime() <= 25 * 3_600_000, iso(expiry) ?? "");
      return iso(expiry);
    },
  ),
  law(
    "whole days keep the local time of day when it exists on both days",
    fc.tuple(fc.integer({ min: 1, max: 400 }), instants, zones),
    ([days, earned, zone]) => {
      const expiry = resolveExpiry({ days }, earned, zone);
      assert.equal(local(expiry, zone).slice(11), local(earned, zone).slice(11));
      return iso(expiry);
    },
    {
      // Clear of the hours around midnight and the usual 01:00–03:00 transition window.
      applies: ([, earned, zone]) => {
        const hour = Number(local(earned, zone).slice(11, 13));
        return hour >= 4 && hour <= 22;
      },
    },
  ),
  law(
    "plus N units is monotone: endOf(unit, plus) < endOf(unit, plus + 1)",
    fc.tuple(units, fc.integer({ min: 0, max: 30 }), instants, zones),
    ([unit, plus, t, zone]) => {
      const a = resolveExpiry({ endOf: unit, plus }, t, zone);
      const b = resolveExpiry({ endOf: unit, plus: plus + 1 }, t, zone);
      assert.ok((a?.getTime() ?? 0) < (b?.getTime() ?? 0), `${iso(a)} then ${iso(b)}`);
      return [iso(a), iso(b)];
    },
  ),
];

/** Laws of the calendar periods per-user caps count in. */
export const periodLaws: readonly DateLaw[] = [
  law(
    "a period's key changes exactly at the end of the period",
    fc.tuple(periods, instants, zones),
    ([period, t, zone]) => {
      const next = resolveExpiry({ endOf: unitOf[period as keyof typeof unitOf] }, t, zone);
      if (next === null) throw new Error("endOf never resolves to null");
      const key = periodKey(period, t, zone);
      assert.equal(periodKey(period, new Date(next.getTime() - 1), zone), key);
      const after = periodKey(period, next, zone);
      assert.notEqual(after, key);
      return [key, iso(next), after];
    },
  ),
  law(
    "period keys sort in time order",
    fc.tuple(periods, instants, instants, zones),
    ([period, a, b, zone]) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      const keys = [periodKey(period, x, zone), periodKey(period, y, zone)] as const;
      assert.ok(keys[0] <= keys[1], `${keys[0]} after ${keys[1]}`);
      return keys;
    },
  ),
];
