import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { CoinageError } from "../errors.js";
import { Dec } from "../money/decimal.js";
import type { RoundingMode } from "../money/rounding.js";
import type { Program } from "../program.js";
import { parseEvent } from "./parse.js";
import { previewReward } from "./reward.js";
import type { CapPeriod, CoinEvent, RewardUsage } from "./types.js";

const program = (over: Partial<Program> = {}): Program => ({
  id: "acme",
  coinValue: "0.25",
  coinScale: 0,
  rounding: "down",
  timeZone: "UTC",
  clawback: "debt",
  ...over,
});
const now = new Date("2026-11-28T10:00:00Z");

const holidaySale = parseEvent({
  id: "HOLIDAY_SALE",
  reward: { kind: "percentage", percent: 5 },
  promotions: [
    { id: "double", multiplier: 2, from: "2026-11-27T00:00:00Z", until: "2026-12-01T00:00:00Z" },
  ],
});
const tiered = parseEvent({
  id: "TIERED",
  reward: {
    kind: "tiered",
    tiers: [
      { from: 0, percent: 5 },
      { from: 10000, percent: 10 },
    ],
  },
});
const referral = parseEvent({ id: "REFERRAL", reward: { kind: "fixed", coins: 500 } });
const welcome = parseEvent({
  id: "WELCOME",
  reward: { kind: "fixed", coins: 100 },
  caps: { perUser: [{ coins: 100, period: "lifetime" }] },
  expiry: { days: 90 },
});

function issuePath(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) return error.details.issues[0]?.path;
    throw error;
  }
  return undefined;
}

describe("the seed's use cases", () => {
  test("double coins during a holiday sale, with the whole breakdown", () => {
    expect(previewReward(holidaySale, { amount: "12000.00" }, program(), now)).toEqual({
      coins: "4800",
      value: "1200",
      breakdown: {
        rule: "percentage",
        base: "2400",
        promotions: [{ id: "double", multiplier: "2" }],
        multiplier: "2",
        multiplied: "4800",
        caps: [],
        rounding: { mode: "down", scale: 0, exact: "4800", rounded: "4800" },
      },
      availableAt: "2026-11-28T10:00:00.000Z",
      expiresAt: null,
    });
  });

  test("after the sale the coins are single again", () => {
    const later = new Date("2026-12-01T00:00:00Z");
    const preview = previewReward(holidaySale, { amount: "12000.00" }, program(), later);
    expect(preview.coins).toBe("2400");
    expect(preview.breakdown.promotions).toEqual([]);
    expect(preview.breakdown.multiplier).toBe("1");
  });

  test("5% below 10,000 and 10% from 10,000", () => {
    const coins = (amount: string) => previewReward(tiered, { amount }, program(), now).coins;
    expect(coins("9999.99")).toBe("1999"); // 499.9995 / 0.25 = 1999.998, rounded down
    expect(coins("10000")).toBe("4000");
    expect(coins("12000")).toBe("4800");
    expect(previewReward(tiered, { amount: "12000" }, program(), now).breakdown.tiers).toEqual([
      { from: "10000", rate: "10", coins: "4800" },
    ]);
  });

  test("the same tiers, progressive", () => {
    const progressive = parseEvent({
      ...tiered,
      reward: { ...tiered.reward, mode: "progressive" },
    });
    const preview = previewReward(progressive, { amount: "12000" }, program(), now);
    expect(preview.coins).toBe("2800"); // (500 + 200) / 0.25
    expect(preview.breakdown.tiers).toEqual([
      { from: "0", upTo: "10000", rate: "5", coins: "2000" },
      { from: "10000", rate: "10", coins: "800" },
    ]);
  });

  test("a fixed referral bonus needs no amount", () => {
    const preview = previewReward(referral, {}, program(), now);
    expect([preview.coins, preview.value, preview.breakdown.base]).toEqual(["500", "125", "500"]);
  });

  test("a welcome bonus, once per lifetime, expiring after 90 days", () => {
    const first = previewReward(welcome, {}, program(), now);
    expect(first.coins).toBe("100");
    expect(first.expiresAt).toBe("2027-02-26T10:00:00.000Z");
    const second = previewReward(welcome, {}, program(), now, { perUser: { lifetime: "100" } });
    expect(second.coins).toBe("0");
    expect(second.breakdown.caps).toEqual([
      { cap: "perUser", period: "lifetime", limit: "100", used: "100", before: "100", after: "0" },
    ]);
    expect(second.ineligible).toBeUndefined();
  });
});

describe("ineligible transactions earn nothing without throwing", () => {
  test("below the minimum amount", () => {
    const event = parseEvent({ ...holidaySale, minAmount: "50" });
    const preview = previewReward(event, { amount: "49.99" }, program(), now);
    expect(preview.coins).toBe("0");
    expect(preview.ineligible).toBe("below_min_amount");
    expect(previewReward(event, { amount: "50" }, program(), now).ineligible).toBeUndefined();
  });

  test("paused, archived, before and after the window", () => {
    const reason = (over: Partial<CoinEvent>) =>
      previewReward(parseEvent({ ...referral, ...over }), {}, program(), now).ineligible;
    expect(reason({ status: "paused" })).toBe("paused");
    expect(reason({ status: "archived" })).toBe("archived");
    expect(reason({ window: { from: "2026-12-01T00:00:00Z" } })).toBe("before_window");
    expect(reason({ window: { until: "2026-11-28T10:00:00Z" } })).toBe("after_window");
  });

  test("the zero preview is at the coin scale and has a complete breakdown", () => {
    const preview = previewReward(
      { ...referral, status: "paused" },
      {},
      program({ coinScale: 2 }),
      now,
    );
    expect(preview).toMatchObject({
      coins: "0.00",
      value: "0",
      ineligible: "paused",
      breakdown: {
        rule: "fixed",
        base: "0",
        multiplier: "1",
        multiplied: "0",
        caps: [],
        promotions: [],
      },
    });
  });
});

describe("coins that would expire by the time they activate", () => {
  test("earn nothing, as expires_before_activation, with the dates that cause it", () => {
    const late = parseEvent({ ...referral, expiry: { endOf: "day" }, activation: { days: 1 } });
    const preview = previewReward(late, {}, program(), now);
    expect(preview).toMatchObject({
      coins: "0",
      ineligible: "expires_before_activation",
      availableAt: "2026-11-29T10:00:00.000Z",
      expiresAt: "2026-11-29T00:00:00.000Z",
    });
    const fixedAt = { at: "2026-11-28T11:00:00Z" };
    const equal = parseEvent({ ...referral, expiry: fixedAt, activation: fixedAt });
    expect(previewReward(equal, {}, program(), now).ineligible).toBe("expires_before_activation");
    // One millisecond of life is enough.
    const after = parseEvent({
      ...referral,
      expiry: { at: "2026-11-28T11:00:00.001Z" },
      activation: fixedAt,
    });
    expect(previewReward(after, {}, program(), now).coins).toBe("500");
  });

  test("an inactive event says why first; a too-small amount comes after the dates", () => {
    const late = parseEvent({
      ...holidaySale,
      minAmount: "100",
      expiry: { endOf: "day" },
      activation: { days: 1 },
    });
    expect(
      previewReward({ ...late, status: "paused" }, { amount: "1" }, program(), now).ineligible,
    ).toBe("paused");
    expect(previewReward(late, { amount: "1" }, program(), now).ineligible).toBe(
      "expires_before_activation",
    );
  });
});

describe("inputs that cannot be read", () => {
  const throwing = (fields: object, key: string) =>
    Object.defineProperty({ ...fields }, key, {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });

  test("a getter or Proxy that throws is INVALID_INPUT naming what could not be read", () => {
    expect(issuePath(() => previewReward(tiered, throwing({}, "amount"), program(), now))).toBe(
      "amount",
    );
    expect(
      issuePath(() =>
        previewReward(referral, {}, throwing(program(), "coinValue") as Program, now),
      ),
    ).toBe("program.coinValue");
    expect(
      issuePath(() => previewReward(referral, {}, program(), new Proxy(now, {}) as Date)),
    ).toBe("now");
    expect(
      issuePath(() =>
        previewReward(referral, {}, program(), now, throwing({}, "perUser") as RewardUsage),
      ),
    ).toBe("usage.perUser");
    expect(
      issuePath(() =>
        previewReward(throwing(referral, "reward") as unknown as CoinEvent, {}, program(), now),
      ),
    ).toBe("event");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(issuePath(() => previewReward(proxy as CoinEvent, {}, program(), now))).toBe("event");
    expect(issuePath(() => previewReward(referral, proxy, program(), now))).toBe("transaction");
  });
});

describe("amount", () => {
  test("percentage and tiered rules need an amount ≥ 0", () => {
    expect(issuePath(() => previewReward(holidaySale, {}, program(), now))).toBe("amount");
    expect(issuePath(() => previewReward(tiered, { amount: "-1" }, program(), now))).toBe("amount");
    expect(issuePath(() => previewReward(tiered, { amount: "ten" }, program(), now))).toBe(
      "amount",
    );
    expect(issuePath(() => previewReward(tiered, { amount: 0.1 }, program(), now))).toBe("amount");
    expect(previewReward(tiered, { amount: 0 }, program(), now).coins).toBe("0");
    expect(previewReward(tiered, { amount: 1200 }, program(), now).coins).toBe("240");
  });

  test("a fixed reward with a minimum amount needs the amount", () => {
    expect(
      issuePath(() => previewReward({ ...referral, minAmount: "1" }, {}, program(), now)),
    ).toBe("amount");
  });

  test("an invalid now is INVALID_INPUT", () => {
    expect(issuePath(() => previewReward(referral, {}, program(), new Date("x")))).toBe("now");
  });
});

describe("rounding and caps", () => {
  test("rounds once, at the end: 1 × 100% × 3 / 0.3 is exactly 10 coins", () => {
    const event = parseEvent({
      id: "x",
      reward: { kind: "percentage", percent: 100 },
      promotions: [
        {
          id: "triple",
          multiplier: 3,
          from: "2026-01-01T00:00:00Z",
          until: "2027-01-01T00:00:00Z",
        },
      ],
    });
    const preview = previewReward(event, { amount: "1" }, program({ coinValue: "0.3" }), now);
    expect(preview.coins).toBe("10");
    expect(preview.breakdown.multiplied).toBe("10");
  });

  test("the program's rounding and coin scale", () => {
    const event = parseEvent({ id: "x", reward: { kind: "percentage", percent: "1" } });
    const coins = (rounding: RoundingMode, coinScale = 0) =>
      previewReward(
        event,
        { amount: "12.5" },
        program({ rounding, coinScale, coinValue: "0.01" }),
        now,
      ).coins;
    // 12.5 × 1% / 0.01 = 12.5 coins
    expect([coins("down"), coins("up"), coins("halfUp"), coins("halfEven")]).toEqual([
      "12",
      "13",
      "13",
      "12",
    ]);
    expect(coins("down", 2)).toBe("12.50");
  });

  test("caps clip before rounding and are reported", () => {
    const event = parseEvent({ ...holidaySale, caps: { perAllocation: 1000, budget: 5000 } });
    const preview = previewReward(event, { amount: "12000" }, program(), now, { budget: "4500" });
    expect(preview.coins).toBe("500");
    expect(preview.breakdown.caps.map((c) => [c.cap, c.before, c.after])).toEqual([
      ["perAllocation", "4800", "1000"],
      ["budget", "1000", "500"],
    ]);
  });

  test("rounding up never passes a cap: the cap is rounded down instead", () => {
    const event = parseEvent({
      id: "x",
      reward: { kind: "fixed", coins: "10.2" },
      caps: { perAllocation: "10.5" },
    });
    const preview = previewReward(event, {}, program({ rounding: "up" }), now);
    expect(preview.coins).toBe("10");
    expect(preview.breakdown.rounding).toEqual({
      mode: "up",
      scale: 0,
      exact: "10.2",
      rounded: "10",
      limitedBy: "perAllocation",
    });
  });

  test("availability and expiry follow the event's date rules in the program's zone", () => {
    const event = parseEvent({
      ...referral,
      activation: { days: 14 },
      expiry: { endOf: "month", plus: 3 },
    });
    const preview = previewReward(event, {}, program({ timeZone: "Asia/Kolkata" }), now);
    expect(preview.availableAt).toBe("2026-12-12T10:00:00.000Z");
    expect(preview.expiresAt).toBe("2027-02-28T18:30:00.000Z"); // 1 March 00:00 in Kolkata
  });
});

// ---------------------------------------------------------------------------

const hundredths = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => new Dec(n).div(100).toFixed());
const programs = fc
  .record({
    coinValue: fc.integer({ min: 1, max: 10_000 }).map((n) => new Dec(n).div(1000).toFixed()),
    coinScale: fc.integer({ min: 0, max: 4 }),
    rounding: fc.constantFrom<RoundingMode>("down", "up", "halfUp", "halfEven"),
  })
  .map((p) => program(p));
const risingTiers = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 4 }),
    fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 5, maxLength: 5 }),
  )
  .map(([froms, rates]) => {
    const sorted = [...rates].sort((a, b) => a - b);
    return [0, ...[...froms].sort((a, b) => a - b)].map((from, i) => ({
      from: String(from),
      percent: new Dec(sorted[i] ?? 0).div(100).toFixed(),
    }));
  });
const rewards = fc.oneof(
  hundredths(1, 10_000_000).map((coins) => ({ kind: "fixed" as const, coins })),
  hundredths(1, 100_000).map((percent) => ({ kind: "percentage" as const, percent })),
  fc
    .tuple(fc.constantFrom("flat" as const, "progressive" as const), risingTiers)
    .map(([mode, tiers]) => ({ kind: "tiered" as const, mode, tiers })),
);
const promotions = fc.array(
  fc.record({
    multiplier: hundredths(1, 100_000),
    active: fc.boolean(),
  }),
  { maxLength: 3 },
);
const periods: CapPeriod[] = ["day", "week", "month", "year", "lifetime"];
const capsArb = fc.record(
  {
    perAllocation: hundredths(1, 10_000_000),
    perUser: fc.uniqueArray(
      fc.record({ coins: hundredths(1, 10_000_000), period: fc.constantFrom(...periods) }),
      {
        selector: (c) => c.period,
        maxLength: 3,
      },
    ),
    budget: hundredths(1, 100_000_000),
  },
  { requiredKeys: [] },
);
const usageArb = fc.record(
  {
    perUser: fc.dictionary(fc.constantFrom(...periods), hundredths(0, 20_000_000)),
    budget: hundredths(0, 200_000_000),
  },
  { requiredKeys: [] },
);
const amount = hundredths(0, 100_000_000);

function eventOf(
  reward: CoinEvent["reward"],
  promos: { multiplier: string; active: boolean }[],
  stack: "max" | "multiply",
  caps: CoinEvent["caps"],
): CoinEvent {
  return parseEvent({
    id: "E",
    reward,
    promotions: promos.map((p, i) => ({
      id: `p${i}`,
      multiplier: p.multiplier,
      from: p.active ? "2026-01-01T00:00:00Z" : "2027-01-01T00:00:00Z",
      until: p.active ? "2027-01-01T00:00:00Z" : "2028-01-01T00:00:00Z",
    })),
    stack,
    ...(caps === undefined ? {} : { caps }),
  });
}

describe("conversion at the coin value", () => {
  /** n / 10^s, for n of up to `digits` digits: decimals as long as the parser allows. */
  const long = (digits: number, maxScale: number, min = 0n) =>
    fc
      .tuple(
        fc.bigInt({ min, max: 10n ** BigInt(digits) - 1n }),
        fc.integer({ min: 0, max: maxScale }),
      )
      .filter(([n, s]) => n < 10n ** BigInt(15 + s))
      .map(([n, s]) => new Dec(n.toString()).div(new Dec(10).pow(s)).toFixed());
  const coinValues = fc.oneof(
    // An inverse that is a finite decimal (4, 1000, 7.8125, 0.4, …) …
    fc.constantFrom("0.25", "0.001", "0.128", "2.5", "0.000000000000000128", "0.016", "5"),
    // … with 35 digits (1 ÷ 2^49 = 5^49 ÷ 10^49), so that long products no longer fit the precision …
    fc.constantFrom("562949953421312", "0.000562949953421312"),
    // … and none (0.3, 0.7, …), or any.
    fc.constantFrom("0.3", "0.7", "1.5", "0.07"),
    long(6, 6, 1n),
  );

  test("base and multiplied are amount × percent ÷ 100 (× multiplier) ÷ coin value, however long the decimals", () => {
    fc.assert(
      fc.property(
        long(33, 18),
        long(21, 18, 1n).filter((p) => new Dec(p).lte(1000)),
        long(21, 18, 1n).filter((m) => new Dec(m).lte(1000)),
        coinValues,
        (amount, percent, multiplier, coinValue) => {
          const event = parseEvent({
            id: "LONG",
            reward: { kind: "percentage", percent },
            promotions: [
              { id: "p", multiplier, from: "2026-01-01T00:00:00Z", until: "2027-01-01T00:00:00Z" },
            ],
          });
          const { breakdown } = previewReward(event, { amount }, program({ coinValue }), now);
          const currency = new Dec(amount).mul(percent).div(100);
          expect(breakdown.base).toBe(currency.div(coinValue).toFixed());
          expect(breakdown.multiplied).toBe(currency.mul(multiplier).div(coinValue).toFixed());
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("properties", () => {
  test("caps are never exceeded, whatever the rounding", () => {
    fc.assert(
      fc.property(
        rewards,
        promotions,
        fc.constantFrom("max" as const, "multiply" as const),
        capsArb,
        usageArb,
        programs,
        amount,
        (reward, promos, stack, caps, usage: RewardUsage, p, a) => {
          const event = eventOf(reward, promos, stack, caps);
          const coins = new Dec(previewReward(event, { amount: a }, p, now, usage).coins);
          expect(coins.gte(0)).toBe(true);
          if (caps.perAllocation !== undefined) expect(coins.lte(caps.perAllocation)).toBe(true);
          for (const cap of caps.perUser ?? []) {
            const used = new Dec(usage.perUser?.[cap.period] ?? "0");
            expect(coins.lte(Dec.max(new Dec(cap.coins).minus(used), 0))).toBe(true);
          }
          if (caps.budget !== undefined) {
            expect(coins.lte(Dec.max(new Dec(caps.budget).minus(usage.budget ?? "0"), 0))).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("rounding never creates coins: with down rounding, coins ≤ the exact reward", () => {
    fc.assert(
      fc.property(rewards, promotions, programs, amount, (reward, promos, p, a) => {
        const preview = previewReward(
          eventOf(reward, promos, "max", undefined),
          { amount: a },
          { ...p, rounding: "down" },
          now,
        );
        expect(new Dec(preview.coins).lte(preview.breakdown.multiplied)).toBe(true);
        expect(
          new Dec(preview.breakdown.multiplied)
            .minus(preview.coins)
            .lt(new Dec(10).pow(-p.coinScale)),
        ).toBe(true);
      }),
    );
  });

  test("reward is monotone in amount for non-decreasing tier rates", () => {
    fc.assert(
      fc.property(
        rewards,
        promotions,
        capsArb,
        programs,
        amount,
        amount,
        (reward, promos, caps, p, a, b) => {
          const event = eventOf(reward, promos, "multiply", caps);
          const [x, y] = new Dec(a).lte(b) ? [a, b] : [b, a];
          const cx = new Dec(previewReward(event, { amount: x }, p, now).coins);
          const cy = new Dec(previewReward(event, { amount: y }, p, now).coins);
          expect(cx.lte(cy)).toBe(true);
        },
      ),
    );
  });

  test("coins are at the coin scale and value = coins × coinValue", () => {
    fc.assert(
      fc.property(rewards, programs, amount, (reward, p, a) => {
        const preview = previewReward(eventOf(reward, [], "max", undefined), { amount: a }, p, now);
        const [, fraction = ""] = preview.coins.split(".");
        expect(fraction.length).toBe(p.coinScale);
        expect(new Dec(preview.value).eq(new Dec(preview.coins).mul(p.coinValue))).toBe(true);
      }),
    );
  });

  test("an inactive event or a too-small amount earns nothing", () => {
    fc.assert(
      fc.property(
        rewards,
        fc.constantFrom("paused", "archived", "min"),
        programs,
        amount,
        (reward, why, p, a) => {
          const base = eventOf(reward, [], "max", undefined);
          const event =
            why === "min"
              ? { ...base, minAmount: new Dec(a).plus("0.01").toFixed() }
              : { ...base, status: why as "paused" | "archived" };
          const preview = previewReward(event, { amount: a }, p, now);
          expect(new Dec(preview.coins).isZero()).toBe(true);
          expect(preview.ineligible).toBe(why === "min" ? "below_min_amount" : why);
        },
      ),
    );
  });

  test("promotions with multiplier ≥ 1 never lower the reward", () => {
    fc.assert(
      fc.property(rewards, promotions, programs, amount, (reward, promos, p, a) => {
        const boosted = promos.map((x) => ({
          ...x,
          multiplier: Dec.min(new Dec(x.multiplier).plus(1), 1000).toFixed(),
        }));
        const plain = previewReward(eventOf(reward, [], "max", undefined), { amount: a }, p, now);
        const withPromos = previewReward(
          eventOf(reward, boosted, "max", undefined),
          { amount: a },
          p,
          now,
        );
        expect(new Dec(plain.coins).lte(withPromos.coins)).toBe(true);
      }),
    );
  });
});
