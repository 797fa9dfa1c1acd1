/** The programs and events the benchmarks run against. */
import type { EventInput, ProgramInput } from "@coinage/core";

export const PROGRAM: ProgramInput = { id: "bench", coinValue: "0.25", timeZone: "UTC" };

/**
 * The rule of the rules benchmark: flat tiers, one promotion active at
 * `RULES_NOW` and one long over, a per-allocation cap and a monthly per-user
 * cap with part of it already used (`RULES_USAGE`).
 */
export const RULES_EVENT: EventInput = {
  id: "PURCHASE",
  name: "Purchase cashback",
  reward: {
    kind: "tiered",
    mode: "flat",
    tiers: [
      { from: "0", percent: "5" },
      { from: "5000", percent: "7.5" },
      { from: "10000", percent: "10" },
    ],
  },
  promotions: [
    { id: "SUMMER", multiplier: "3", from: "2026-06-01T00:00:00Z", until: "2026-06-08T00:00:00Z" },
    {
      id: "HOLIDAY_SALE",
      multiplier: "2",
      from: "2026-12-20T00:00:00Z",
      until: "2026-12-27T00:00:00Z",
    },
  ],
  caps: { perAllocation: "20000", perUser: [{ coins: "50000", period: "month" }] },
};

export const RULES_NOW = new Date("2026-12-22T10:30:00Z");
export const RULES_USAGE = { perUser: { month: "42000" } } as const;

/**
 * The event the store benchmarks allocate from: tiers, an always-active
 * promotion, a per-allocation cap and a monthly per-user cap high enough
 * never to clip (so the usage counter is read and written on every
 * allocation), expiry a year after earning. No budget: a budget is one
 * counter shared by every account, which would make every allocation
 * contend on it.
 */
export const STORE_EVENT: EventInput = {
  id: "SHOP",
  name: "Shop cashback",
  reward: {
    kind: "tiered",
    mode: "flat",
    tiers: [
      { from: "0", percent: "5" },
      { from: "10000", percent: "10" },
    ],
  },
  promotions: [
    { id: "ALWAYS", multiplier: "2", from: "2000-01-01T00:00:00Z", until: "2100-01-01T00:00:00Z" },
  ],
  caps: { perAllocation: "20000", perUser: [{ coins: "1000000000000", period: "month" }] },
  expiry: { days: 365 },
};

/** A deterministic pseudo-random sequence (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Transaction amounts in currency with 2 decimals, earning at least one coin under STORE_EVENT. */
export function amounts(count: number, seed = 7): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => (10 + next() * 30000).toFixed(2));
}
