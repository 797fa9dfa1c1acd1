/**
 * Sample data for the preview page: a program, four coin events taken from
 * the seed's use cases, and a user's lots for the redemption preview. All of
 * it is plain JSON, exactly what a server would store and send.
 */

export const sampleProgram = {
  id: "demo",
  coinValue: "0.25",
  coinScale: 0,
  rounding: "down",
  timeZone: "Asia/Kolkata",
  clawback: "debt",
};

export interface SampleEvent {
  readonly label: string;
  /** A transaction amount that shows the event off. */
  readonly amount: string;
  /** An instant (UTC) that shows the event off. */
  readonly at: string;
  readonly event: Record<string, unknown>;
}

export const sampleEvents: readonly SampleEvent[] = [
  {
    label: "Holiday sale: 5%, double coins 20–31 Dec",
    amount: "1000",
    at: "2026-12-24T10:00",
    event: {
      id: "HOLIDAY_SALE",
      name: "Holiday sale",
      reward: { kind: "percentage", percent: "5" },
      promotions: [
        {
          id: "holiday-double",
          multiplier: "2",
          from: "2026-12-20T00:00:00Z",
          until: "2027-01-01T00:00:00Z",
        },
      ],
      stack: "max",
      levels: [{ level: "GOLD", multiplier: "1.25" }],
      caps: { perAllocation: "5000", perUser: [{ coins: "20000", period: "month" }] },
      minAmount: "100",
      expiry: { days: 90 },
    },
  },
  {
    label: "Tiered purchase: 5% under 5,000 · 10% from 10,000",
    amount: "12000",
    at: "2026-06-15T09:30",
    event: {
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
      caps: { perAllocation: "4000" },
      expiry: { endOf: "month", plus: 3 },
    },
  },
  {
    label: "Referral: 100 coins, spendable after 7 days",
    amount: "0",
    at: "2026-06-15T09:30",
    event: {
      id: "REFERRAL",
      name: "Referral bonus",
      reward: { kind: "fixed", coins: "100" },
      activation: { days: 7 },
      expiry: { years: 1 },
    },
  },
  {
    label: "Welcome bonus: 50 coins, never expire",
    amount: "0",
    at: "2026-06-15T09:30",
    event: {
      id: "WELCOME",
      name: "Welcome bonus",
      reward: { kind: "fixed", coins: "50" },
      expiry: "never",
    },
  },
];

/** A user's lots, as a store would hold them (instants in ISO form for editing). */
export const sampleLots = [
  {
    id: 1,
    coins: "200",
    remaining: "200",
    earnedAt: "2026-01-05T10:00:00Z",
    expiresAt: "2026-04-05T10:00:00Z",
  },
  {
    id: 2,
    coins: "100",
    remaining: "60",
    earnedAt: "2026-02-01T10:00:00Z",
    expiresAt: "2026-03-15T10:00:00Z",
  },
  { id: 3, coins: "50", remaining: "50", earnedAt: "2026-01-01T10:00:00Z", expiresAt: null },
  {
    id: 4,
    coins: "100",
    remaining: "100",
    earnedAt: "2026-03-08T10:00:00Z",
    availableAt: "2026-03-15T10:00:00Z",
    expiresAt: "2027-03-01T10:00:00Z",
  },
  {
    id: 5,
    coins: "80",
    remaining: "80",
    earnedAt: "2025-10-01T10:00:00Z",
    expiresAt: "2026-01-01T00:00:00Z",
  },
];
