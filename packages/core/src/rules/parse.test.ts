import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError, type InputIssue } from "../errors.js";
import { Dec } from "../money/decimal.js";
import { type Duration, neverOutlasts } from "./durations.js";
import { eventLimits, parseEvent, parseEventPatch } from "./parse.js";
import type { CoinEvent, DateRule, Promotion, RewardRule, Tier } from "./types.js";

function issues(fn: () => unknown): InputIssue[] {
  try {
    fn();
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) return [...error.details.issues];
    throw error;
  }
  return [];
}
const paths = (input: unknown) => issues(() => parseEvent(input)).map((i) => i.path);
const fixed = { kind: "fixed", coins: "100" } as const;

describe("parseEvent: the seed's use cases", () => {
  test("double coins during a holiday sale", () => {
    const event = parseEvent({
      id: "HOLIDAY_SALE",
      name: "Holiday sale",
      reward: { kind: "percentage", percent: 5 },
      promotions: [
        {
          id: "double",
          multiplier: 2,
          from: "2026-11-27T00:00:00-05:00",
          until: "2026-12-01T00:00:00-05:00",
        },
      ],
    });
    expect(event).toEqual({
      id: "HOLIDAY_SALE",
      name: "Holiday sale",
      status: "active",
      reward: { kind: "percentage", percent: "5" },
      promotions: [
        {
          id: "double",
          multiplier: "2",
          from: "2026-11-27T05:00:00.000Z",
          until: "2026-12-01T05:00:00.000Z",
        },
      ],
      version: 1,
    });
  });

  test("5% below 10,000 and 10% from 10,000", () => {
    const event = parseEvent({
      id: "TIERED",
      reward: {
        kind: "tiered",
        tiers: [
          { from: 0, percent: 5 },
          { from: 10000, percent: 10 },
        ],
      },
    });
    expect(event.reward).toEqual({
      kind: "tiered",
      mode: "flat",
      tiers: [
        { from: "0", percent: "5" },
        { from: "10000", percent: "10" },
      ],
    });
  });

  test("a fixed referral bonus and a welcome bonus that expires", () => {
    expect(parseEvent({ id: "REFERRAL", reward: { kind: "fixed", coins: 500 } })).toEqual({
      id: "REFERRAL",
      name: "REFERRAL",
      status: "active",
      reward: { kind: "fixed", coins: "500" },
      version: 1,
    });
    const welcome = parseEvent({
      id: "WELCOME",
      reward: { kind: "fixed", coins: "100.00" },
      caps: { perUser: [{ coins: 100, period: "lifetime" }] },
      expiry: { days: 90 },
    });
    expect(welcome.reward).toEqual({ kind: "fixed", coins: "100" });
    expect(welcome.caps).toEqual({ perUser: [{ coins: "100", period: "lifetime" }] });
    expect(welcome.expiry).toEqual({ days: 90 });
  });
});

describe("parseEvent: canonical form", () => {
  test("every optional field, normalised", () => {
    const event = parseEvent({
      id: "ALL",
      name: "Everything",
      status: "paused",
      window: { from: "2026-01-01T05:30:00+05:30", until: "2027-01-01T00:00:00Z" },
      reward: {
        kind: "tiered",
        mode: "progressive",
        tiers: [
          { from: "0.00", percent: "1.50" },
          { from: 100, percent: 2 },
        ],
      },
      promotions: [
        { id: "p", multiplier: "1.50", from: "2026-01-01T00:00Z", until: "2026-02-01T00:00:00.5Z" },
      ],
      stack: "multiply",
      caps: { perAllocation: "1000.0", perUser: [{ coins: 50, period: "day" }], budget: 1e6 },
      minAmount: "10.00",
      expiry: { endOf: "month", plus: 3 },
      activation: { at: "2026-06-01T00:00:00+02:00" },
      metadata: { campaign: "q4", tags: ["a", 1, true, null], nested: { x: -0 } },
      version: 7,
    });
    expect(event).toEqual({
      id: "ALL",
      name: "Everything",
      status: "paused",
      window: { from: "2026-01-01T00:00:00.000Z", until: "2027-01-01T00:00:00.000Z" },
      reward: {
        kind: "tiered",
        mode: "progressive",
        tiers: [
          { from: "0", percent: "1.5" },
          { from: "100", percent: "2" },
        ],
      },
      promotions: [
        {
          id: "p",
          multiplier: "1.5",
          from: "2026-01-01T00:00:00.000Z",
          until: "2026-02-01T00:00:00.500Z",
        },
      ],
      stack: "multiply",
      caps: { perAllocation: "1000", perUser: [{ coins: "50", period: "day" }], budget: "1000000" },
      minAmount: "10",
      expiry: { endOf: "month", plus: 3 },
      activation: { at: "2026-05-31T22:00:00.000Z" },
      metadata: { campaign: "q4", tags: ["a", 1, true, null], nested: { x: 0 } },
      version: 7,
    });
    expect(parseEvent(event)).toEqual(event);
  });

  test("keywords for expiry and activation", () => {
    const event = parseEvent({
      id: "k",
      reward: fixed,
      expiry: "never",
      activation: "immediately",
    });
    expect([event.expiry, event.activation]).toEqual(["never", "immediately"]);
  });

  test("ids may hold any Unicode", () => {
    expect(parseEvent({ id: "日本語 🎉 ·:/\"'", reward: fixed }).id).toBe("日本語 🎉 ·:/\"'");
  });

  test("the result does not share objects with the input", () => {
    const metadata = { a: { b: 1 } };
    const event = parseEvent({ id: "m", reward: fixed, metadata });
    metadata.a.b = 2;
    expect(event.metadata).toEqual({ a: { b: 1 } });
  });
});

describe("parseEvent: errors", () => {
  test("every issue is collected, each with its path", () => {
    expect(
      issues(() =>
        parseEvent({
          id: "",
          status: "live",
          reward: {
            kind: "tiered",
            mode: "progressive",
            tiers: [
              { from: 1, percent: 5 },
              { from: 1, coins: 3 },
            ],
          },
          caps: { perAllocation: 0 },
          minAmount: "-1",
          colour: "red",
        }),
      ),
    ).toEqual([
      { path: "colour", message: expect.stringMatching(/^unknown key/) },
      { path: "id", message: "must not be empty" },
      { path: "status", message: 'expected one of "active", "paused", "archived", got "live"' },
      { path: "reward.tiers[0].from", message: "the first tier must start at 0" },
      {
        path: "reward.tiers[1].from",
        message: "must be greater than the previous tier's from (1)",
      },
      {
        path: "reward.tiers[1].coins",
        message: expect.stringMatching(/^progressive tiers pay a percent/),
      },
      { path: "caps.perAllocation", message: "must be greater than 0" },
      { path: "minAmount", message: "must be at least 0" },
    ]);
  });

  test("not an object", () => {
    for (const bad of [null, undefined, "event", 3, [], new Map()])
      expect(paths(bad)).toEqual([""]);
  });

  test("required fields", () => {
    expect(paths({})).toEqual(["id", "reward"]);
    expect(paths({ id: "x", reward: {} })).toEqual(["reward.kind"]);
    expect(paths({ id: "x", reward: { kind: "fixed" } })).toEqual(["reward.coins"]);
  });

  test("reward rules", () => {
    expect(paths({ id: "x", reward: { kind: "fixed", coins: 0 } })).toEqual(["reward.coins"]);
    expect(paths({ id: "x", reward: { kind: "fixed", coins: "1", percent: "2" } })).toEqual([
      "reward.percent",
    ]);
    expect(paths({ id: "x", reward: { kind: "percentage", percent: 0 } })).toEqual([
      "reward.percent",
    ]);
    expect(paths({ id: "x", reward: { kind: "percentage", percent: "1000.01" } })).toEqual([
      "reward.percent",
    ]);
    expect(paths({ id: "x", reward: { kind: "percentage", percent: "1000" } })).toEqual([]);
    expect(paths({ id: "x", reward: { kind: "percentage", percent: 0.1 } })).toEqual([
      "reward.percent",
    ]);
    expect(paths({ id: "x", reward: { kind: "bonus" } })).toEqual(["reward.kind"]);
  });

  test("tiers", () => {
    const tiered = (tiers: unknown, mode?: unknown) => ({
      id: "x",
      reward: { kind: "tiered", tiers, ...(mode === undefined ? {} : { mode }) },
    });
    expect(paths(tiered([]))).toEqual(["reward.tiers"]);
    expect(paths(tiered("0:5"))).toEqual(["reward.tiers"]);
    expect(paths(tiered([{ from: 0 }]))).toEqual(["reward.tiers[0]"]);
    expect(paths(tiered([{ from: 0, percent: 1, coins: 1 }]))).toEqual(["reward.tiers[0]"]);
    expect(
      paths(
        tiered([
          { from: 0, percent: 1 },
          { from: 5, percent: 2 },
          { from: 4, percent: 3 },
        ]),
      ),
    ).toEqual(["reward.tiers[2].from"]);
    expect(
      paths(
        tiered([
          { from: 0, percent: 1 },
          { from: -5, percent: 2 },
        ]),
      ),
    ).toEqual(["reward.tiers[1].from"]);
    expect(paths(tiered([{ from: 0, percent: 1 }, null]))).toEqual(["reward.tiers[1]"]);
    expect(paths(tiered([{ from: 0, percent: 1 }], "stepped"))).toEqual(["reward.mode"]);
    expect(
      paths(
        tiered([
          { from: 0, coins: 1 },
          { from: 10, coins: 5 },
        ]),
      ),
    ).toEqual([]);
    expect(
      paths(
        tiered([
          { from: 0, percent: 0 },
          { from: 10, percent: 5 },
        ]),
      ),
    ).toEqual([]);
    expect(paths(tiered(Array.from({ length: 101 }, (_, i) => ({ from: i, percent: 1 }))))).toEqual(
      ["reward.tiers"],
    );
  });

  test("window and promotions", () => {
    expect(paths({ id: "x", reward: fixed, window: {} })).toEqual(["window"]);
    expect(
      paths({
        id: "x",
        reward: fixed,
        window: { from: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" },
      }),
    ).toEqual(["window.until"]);
    expect(paths({ id: "x", reward: fixed, window: { from: "2026-02-01" } })).toEqual([
      "window.from",
    ]);
    expect(paths({ id: "x", reward: fixed, window: { from: "2026-02-01T00:00:00" } })).toEqual([
      "window.from",
    ]);
    const promo = (over: Partial<Record<keyof Promotion, unknown>> = {}) => ({
      id: "p",
      multiplier: "2",
      from: "2026-01-01T00:00:00Z",
      until: "2026-01-02T00:00:00Z",
      ...over,
    });
    expect(paths({ id: "x", reward: fixed, promotions: [promo(), promo()] })).toEqual([
      "promotions[1].id",
    ]);
    expect(paths({ id: "x", reward: fixed, promotions: [promo({ multiplier: 0 })] })).toEqual([
      "promotions[0].multiplier",
    ]);
    expect(
      paths({ id: "x", reward: fixed, promotions: [promo({ until: "2026-01-01T00:00:00Z" })] }),
    ).toEqual(["promotions[0].until"]);
    expect(paths({ id: "x", reward: fixed, promotions: [promo({ extra: 1 } as never)] })).toEqual([
      "promotions[0].extra",
    ]);
    expect(paths({ id: "x", reward: fixed, promotions: {} })).toEqual(["promotions"]);
    expect(paths({ id: "x", reward: fixed, stack: "sum" })).toEqual(["stack"]);
  });

  test("caps", () => {
    expect(
      paths({
        id: "x",
        reward: fixed,
        caps: {
          perUser: [
            { coins: 1, period: "day" },
            { coins: 2, period: "day" },
          ],
        },
      }),
    ).toEqual(["caps.perUser[1].period"]);
    expect(
      paths({ id: "x", reward: fixed, caps: { perUser: [{ coins: 1, period: "hour" }] } }),
    ).toEqual(["caps.perUser[0].period"]);
    expect(paths({ id: "x", reward: fixed, caps: { budget: "-5" } })).toEqual(["caps.budget"]);
    expect(paths({ id: "x", reward: fixed, caps: { perUser: { coins: 1 } } })).toEqual([
      "caps.perUser",
    ]);
    expect(paths({ id: "x", reward: fixed, caps: { total: 1 } })).toEqual(["caps.total"]);
  });

  test("date rules", () => {
    const expiry = (rule: unknown) => paths({ id: "x", reward: fixed, expiry: rule });
    expect(expiry({ days: 0 })).toEqual(["expiry"]);
    expect(expiry({})).toEqual(["expiry"]);
    expect(expiry({ days: -1 })).toEqual(["expiry.days"]);
    expect(expiry({ days: 1.5 })).toEqual(["expiry.days"]);
    expect(expiry({ days: "90" })).toEqual(["expiry.days"]);
    expect(expiry({ years: 101 })).toEqual(["expiry.years"]);
    expect(expiry({ weeks: 2 })).toEqual(["expiry.weeks", "expiry"]);
    expect(expiry({ endOf: "decade" })).toEqual(["expiry.endOf"]);
    expect(expiry({ endOf: "month", plus: 1001 })).toEqual(["expiry.plus"]);
    expect(expiry({ endOf: "month", days: 1 })).toEqual(["expiry.days"]);
    expect(expiry({ at: "tomorrow" })).toEqual(["expiry.at"]);
    expect(expiry("immediately")).toEqual(["expiry"]);
    expect(paths({ id: "x", reward: fixed, activation: "never" })).toEqual(["activation"]);
    expect(paths({ id: "x", reward: fixed, activation: { hours: 48 } })).toEqual([]);
  });

  test("metadata must be bounded plain JSON", () => {
    const meta = (metadata: unknown) => paths({ id: "x", reward: fixed, metadata });
    expect(meta([])).toEqual(["metadata"]);
    expect(meta({ when: new Date(0) })).toEqual(["metadata.when"]);
    expect(meta({ n: Number.NaN })).toEqual(["metadata.n"]);
    expect(meta({ u: undefined })).toEqual(["metadata.u"]);
    expect(meta({ big: "x".repeat(eventLimits.metadataChars) })).toEqual(["metadata"]);
    expect(meta(JSON.parse('{"a":{"__proto__":{"polluted":true}}}'))).toEqual([
      "metadata.a.__proto__",
    ]);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(meta({ deep })).toEqual(["metadata.deep[0][0][0][0][0][0][0][0][0]"]);
    expect(meta({ "a.b": "\u0000" })).toEqual(['metadata["a.b"]']);
  });

  test("prototype-pollution keys are unknown keys and pollute nothing", () => {
    const input = JSON.parse(
      '{"id":"x","reward":{"kind":"fixed","coins":"1"},"__proto__":{"status":"paused"}}',
    );
    expect(paths(input)).toEqual(["__proto__"]);
    expect(
      paths(
        JSON.parse(
          '{"id":"x","reward":{"kind":"fixed","coins":"1","constructor":{"prototype":{}}}}',
        ),
      ),
    ).toEqual(["reward.constructor"]);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  test("objects with another prototype are rejected; inherited properties are never read", () => {
    expect(paths(Object.create({ id: "x", reward: fixed }))).toEqual([""]);
    const bare = Object.assign(Object.create(null), { id: "x", reward: fixed });
    expect(parseEvent(bare).id).toBe("x");
  });

  test("strings that no store can hold", () => {
    expect(paths({ id: "a\u0000b", reward: fixed })).toEqual(["id"]);
    expect(paths({ id: "a\uD800b", reward: fixed })).toEqual(["id"]);
    expect(paths({ id: "x".repeat(201), reward: fixed })).toEqual(["id"]);
  });

  test("huge and inexact numbers", () => {
    expect(paths({ id: "x", reward: { kind: "fixed", coins: 1e300 } })).toEqual(["reward.coins"]);
    expect(paths({ id: "x", reward: { kind: "fixed", coins: "1".repeat(16) } })).toEqual([
      "reward.coins",
    ]);
    expect(paths({ id: "x", reward: { kind: "fixed", coins: `0.${"1".repeat(19)}` } })).toEqual([
      "reward.coins",
    ]);
    expect(paths({ id: "x", reward: { kind: "fixed", coins: Number.POSITIVE_INFINITY } })).toEqual([
      "reward.coins",
    ]);
    expect(paths({ id: "x", reward: fixed, version: 0 })).toEqual(["version"]);
    expect(paths({ id: "x", reward: fixed, version: 2 ** 53 })).toEqual(["version"]);
  });
});

describe("parseEventPatch", () => {
  const base = parseEvent({
    id: "E",
    reward: { kind: "percentage", percent: 5 },
    caps: { perAllocation: 100 },
    version: 3,
  });

  test("replaces fields, bumps the version and keeps the rest", () => {
    const next = parseEventPatch(base, { reward: { kind: "fixed", coins: 10 }, name: "Renamed" });
    expect(next).toEqual({
      id: "E",
      name: "Renamed",
      status: "active",
      reward: { kind: "fixed", coins: "10" },
      caps: { perAllocation: "100" },
      version: 4,
    });
  });

  test("the seed's update: change the amount of a fixed event", () => {
    const referral = parseEvent({ id: "REFERRAL", reward: { kind: "fixed", coins: 500 } });
    expect(parseEventPatch(referral, { reward: { kind: "fixed", coins: 750 } }).reward).toEqual({
      kind: "fixed",
      coins: "750",
    });
  });

  test("null removes an optional field; an empty patch still bumps the version", () => {
    expect(parseEventPatch(base, { caps: null }).caps).toBeUndefined();
    expect(parseEventPatch(base, {})).toEqual({ ...base, version: 4 });
  });

  test("id, version, unknown keys and required fields", () => {
    expect(
      issues(() => parseEventPatch(base, { id: "F", version: 9, colour: 1, reward: null })).map(
        (i) => i.path,
      ),
    ).toEqual(["id", "version", "colour", "reward"]);
    expect(issues(() => parseEventPatch(base, null)).map((i) => i.path)).toEqual([""]);
  });

  test("the merged event is validated again", () => {
    expect(
      issues(() => parseEventPatch(base, { caps: { perAllocation: -1 }, status: "gone" })).map(
        (i) => i.path,
      ),
    ).toEqual(["status", "caps.perAllocation"]);
  });

  test("does not change the event it was given", () => {
    const copy = structuredClone(base);
    parseEventPatch(base, { caps: null, name: "x" });
    expect(base).toEqual(copy);
  });
});

describe("expiry before activation", () => {
  const rules = (expiry: unknown, activation: unknown) =>
    paths({ id: "x", reward: fixed, expiry, activation });

  test("duration rules whose expiry is never longer than the activation are refused at both fields", () => {
    expect(rules({ days: 7 }, { days: 30 })).toEqual(["expiry", "activation"]);
    expect(rules({ months: 1 }, { days: 31 })).toEqual(["expiry", "activation"]);
    expect(rules({ days: 30 }, { days: 30 })).toEqual(["expiry", "activation"]);
    expect(
      issues(() =>
        parseEventPatch(parseEvent({ id: "x", reward: fixed, expiry: { days: 7 } }), {
          activation: { days: 7 },
        }),
      ).map((i) => i.path),
    ).toEqual(["expiry", "activation"]);
  });

  test("rules that may end either way, or are not both durations, are left to each allocation", () => {
    expect(rules({ months: 1 }, { days: 30 })).toEqual([]);
    expect(rules({ days: 31 }, { days: 30 })).toEqual([]);
    expect(rules({ endOf: "day" }, { days: 1 })).toEqual([]);
    expect(rules({ at: "2026-01-01T00:00:00Z" }, { days: 30 })).toEqual([]);
    expect(rules("never", { days: 30 })).toEqual([]);
  });
});

describe("what parsing returns is frozen", () => {
  test("parseEvent and parseEventPatch return deeply frozen events", () => {
    const event = parseEvent({
      id: "x",
      reward: { kind: "tiered", tiers: [{ from: 0, percent: 5 }] },
      caps: { perUser: [{ coins: 10, period: "day" }] },
      metadata: { tags: ["a"], nested: { deep: [1] } },
    });
    const patched = parseEventPatch(event, { name: "y" });
    for (const value of [event, patched]) {
      const loose = value as unknown as {
        name: string;
        reward: { tiers: { percent: string }[] };
        caps: { perUser: { coins: string }[] };
        metadata: { tags: string[]; nested: { deep: number[] } };
      };
      expect(() => {
        loose.name = "changed";
      }).toThrow(TypeError);
      expect(() => {
        (loose.reward.tiers[0] as { percent: string }).percent = "50";
      }).toThrow(TypeError);
      expect(() => loose.caps.perUser.push({ coins: "1" })).toThrow(TypeError);
      expect(() => loose.metadata.nested.deep.push(2)).toThrow(TypeError);
    }
    expect(parseEventPatch(event, { name: "z" }).name).toBe("z");
  });
});

describe("input that cannot be read", () => {
  const throwing = (fields: object, key: string) =>
    Object.defineProperty({ ...fields }, key, {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });

  test("a getter or Proxy that throws is INVALID_INPUT at its path, never another error", () => {
    expect(paths(throwing({ id: "x" }, "reward"))).toEqual(["reward"]);
    expect(paths({ id: "x", reward: throwing({ kind: "fixed" }, "coins") })).toEqual([
      "reward.coins",
    ]);
    expect(paths({ id: "x", reward: fixed, metadata: { list: [1, throwing({}, "k")] } })).toEqual([
      "metadata.list[1].k",
    ]);
    expect(
      paths(
        new Proxy(
          { id: "x", reward: fixed },
          {
            ownKeys: () => {
              throw new Error("no");
            },
          },
        ),
      ),
    ).toEqual([""]);
    const event = parseEvent({ id: "x", reward: fixed });
    expect(issues(() => parseEventPatch(event, throwing({}, "name"))).map((i) => i.path)).toEqual([
      "name",
    ]);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(issues(() => parseEventPatch(event, proxy)).map((i) => i.path)).toEqual([""]);
    expect(issues(() => parseEventPatch(proxy as CoinEvent, {})).map((i) => i.path)).toEqual([
      "event",
    ]);
  });
});

// ---------------------------------------------------------------------------
// Arbitraries: canonical valid events, built from integers so every decimal is exact.

/** n / 10^s as a canonical decimal string. */
const decimal = (min: bigint, max: bigint, maxScale: number) =>
  fc
    .tuple(fc.bigInt({ min, max }), fc.integer({ min: 0, max: maxScale }))
    .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)).toFixed());
const positive = (max: bigint, maxScale: number) => decimal(1n, max, maxScale);
/** A positive decimal with two places, at most `max`. */
const hundredths = (max: number) =>
  fc.integer({ min: 1, max: max * 100 }).map((n) => new Dec(n).div(100).toFixed());
const instantMs = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2029, 0, 1) });
const interval = fc
  .tuple(instantMs, fc.integer({ min: 1, max: 90 * 86_400_000 }))
  .map(([from, length]) => ({
    from: new Date(from).toISOString(),
    until: new Date(from + length).toISOString(),
  }));
const text = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });

const tiersArb = (mode: "flat" | "progressive"): fc.Arbitrary<Tier[]> =>
  fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 5 }),
      fc.array(fc.tuple(fc.boolean(), positive(100_000n, 2)), { minLength: 6, maxLength: 6 }),
    )
    .map(([froms, rates]) =>
      [0, ...froms.sort((a, b) => a - b)].map((from, i) => {
        const [useCoins, rate] = rates[i] ?? [false, "1"];
        return useCoins && mode === "flat"
          ? { from: String(from), coins: rate }
          : { from: String(from), percent: new Dec(rate).div(100).toFixed() };
      }),
    );

const rewardArb: fc.Arbitrary<RewardRule> = fc.oneof(
  positive(10n ** 6n, 2).map((coins) => ({ kind: "fixed" as const, coins })),
  hundredths(1000).map((p) => ({ kind: "percentage" as const, percent: p })),
  fc
    .constantFrom("flat" as const, "progressive" as const)
    .chain((mode) => tiersArb(mode).map((tiers) => ({ kind: "tiered" as const, mode, tiers }))),
);

const dateRuleArb: fc.Arbitrary<DateRule> = fc.oneof(
  fc.record({ days: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ months: fc.integer({ min: 1, max: 36 }), hours: fc.integer({ min: 0, max: 48 }) }),
  fc.record({
    endOf: fc.constantFrom("day", "week", "month", "quarter", "year" as const),
    plus: fc.integer({ min: 0, max: 12 }),
  }),
  instantMs.map((ms) => ({ at: new Date(ms).toISOString() })),
);

const eventArb: fc.Arbitrary<CoinEvent> = fc
  .record(
    {
      id: text,
      name: text,
      status: fc.constantFrom("active", "paused", "archived" as const),
      window: interval,
      reward: rewardArb,
      promotions: fc.uniqueArray(
        fc
          .record({ id: text, multiplier: hundredths(1000) })
          .chain((p) => interval.map((w) => ({ ...p, ...w }))),
        { selector: (p) => p.id, maxLength: 3 },
      ),
      stack: fc.constantFrom("max", "multiply" as const),
      caps: fc.record(
        {
          perAllocation: positive(10n ** 8n, 2),
          perUser: fc.uniqueArray(
            fc.record({
              coins: positive(10n ** 8n, 2),
              period: fc.constantFrom("day", "week", "month", "year", "lifetime" as const),
            }),
            { selector: (c) => c.period, minLength: 1, maxLength: 3 },
          ),
          budget: positive(10n ** 10n, 2),
        },
        { requiredKeys: [] },
      ),
      minAmount: decimal(0n, 10n ** 8n, 2),
      expiry: fc.oneof(dateRuleArb, fc.constant("never" as const)),
      activation: fc.oneof(dateRuleArb, fc.constant("immediately" as const)),
      metadata: fc.dictionary(
        fc.string({ maxLength: 10 }).filter((k) => k !== "__proto__"),
        fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)),
        { maxKeys: 4 },
      ),
      version: fc.integer({ min: 1, max: 1000 }),
    },
    { requiredKeys: ["id", "name", "status", "reward", "version"] },
  )
  .map((e) => e as CoinEvent)
  .filter((e) => !refusedDurations(e.expiry, e.activation));

/** Duration rules that `parseEvent` refuses together: the coins would always expire before activating. */
function refusedDurations(expiry: unknown, activation: unknown): boolean {
  const duration = (rule: unknown): rule is Duration =>
    typeof rule === "object" && rule !== null && !("at" in rule) && !("endOf" in rule);
  return duration(expiry) && duration(activation) && neverOutlasts(expiry, activation);
}

/** Set `value` at a random path of a JSON-like tree (returns a copy). */
function mutate(root: unknown, choice: number, value: unknown): unknown {
  const holders: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const copy = structuredClone(root);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) {
        holders.push({ parent: node as never, key: i });
        walk(child);
      }
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        holders.push({ parent: node as never, key });
        walk(child);
      }
    }
  };
  walk(copy);
  const target = holders[choice % Math.max(holders.length, 1)];
  if (target !== undefined) target.parent[target.key] = value;
  return copy;
}

/** "ok" (and the result re-parses to itself), or "invalid"; anything else thrown fails the property. */
function outcome(input: unknown): "ok" | "invalid" {
  try {
    const event = parseEvent(input);
    expect(parseEvent(event)).toEqual(event);
    return "ok";
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT") && error.details.issues.length > 0)
      return "invalid";
    throw error;
  }
}

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    key: fc.oneof(
      fc.string(),
      fc.constantFrom("__proto__", "constructor", "prototype", "id", "reward", "kind"),
    ),
  }),
  fc.constantFrom(
    1e308,
    -0,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    2 ** 53,
    -1,
    "",
    "0",
    "1e3",
    "-0",
    "never",
    [],
  ),
);

describe("properties", () => {
  test("parseEvent(event) round-trips a valid event", () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        expect(parseEvent(event)).toEqual(event);
      }),
      { numRuns: 300 },
    );
  });

  test("arbitrary JSON to parseEvent yields a valid event or INVALID_INPUT, never another throw", () => {
    fc.assert(
      fc.property(nasty, (input) => {
        outcome(input);
      }),
      { numRuns: 500 },
    );
  });

  test("arbitrary objects shaped like events yield a valid event or INVALID_INPUT", () => {
    const key = fc.constantFrom(
      "id",
      "name",
      "status",
      "reward",
      "window",
      "caps",
      "expiry",
      "metadata",
      "__proto__",
    );
    fc.assert(
      fc.property(fc.dictionary(key, nasty, { maxKeys: 6 }), (input) => {
        outcome(input);
      }),
    );
  });

  test("mutated valid events yield a valid event or INVALID_INPUT", () => {
    fc.assert(
      fc.property(eventArb, fc.nat(), nasty, (event, choice, value) => {
        outcome(mutate(event, choice, value));
      }),
      { numRuns: 500 },
    );
  });

  test("numbers and strings for the same exact decimal parse alike", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 0, max: 3 }), (n, s) => {
        const value = n / 2 ** s;
        const fromNumber = parseEvent({ id: "x", reward: { kind: "fixed", coins: value } });
        const fromString = parseEvent({ id: "x", reward: { kind: "fixed", coins: String(value) } });
        expect(fromNumber).toEqual(fromString);
      }),
    );
  });

  test("a patch with nothing in it only bumps the version; patching a field to its value is a no-op too", () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        expect(parseEventPatch(event, {})).toEqual({ ...event, version: event.version + 1 });
        expect(parseEventPatch(event, { reward: event.reward })).toEqual({
          ...event,
          version: event.version + 1,
        });
      }),
    );
  });

  test("patching arbitrary values yields a valid event with the next version, or INVALID_INPUT", () => {
    const key = fc.constantFrom(
      "name",
      "status",
      "reward",
      "window",
      "caps",
      "minAmount",
      "stack",
      "metadata",
      "expiry",
    );
    fc.assert(
      fc.property(
        eventArb,
        fc.dictionary(key, fc.oneof(nasty, fc.constant(null)), { maxKeys: 3 }),
        (event, patch) => {
          try {
            const next = parseEventPatch(event, patch);
            expect(next.version).toBe(event.version + 1);
            expect(next.id).toBe(event.id);
          } catch (error) {
            expect(CoinageError.is(error, "INVALID_INPUT")).toBe(true);
          }
        },
      ),
    );
  });
});
