/**
 * A worked cashback scenario on any store: a tiered purchase reward, a
 * holiday double-coins promotion, a referral bonus, FIFO redemption and
 * expiry. It prints what happens and returns the figures it saw.
 */
import type { Clock, Coinage, Store } from "@coinage/core";
import { createCoinage } from "@coinage/core";

export interface ScenarioLine {
  readonly step: string;
  readonly detail: string;
}

/** A clock the scenario moves by hand. */
export function manualClock(start: Date): Clock & { set(at: Date): void } {
  let current = start;
  return { now: () => current, set: (at) => (current = at) };
}

export async function runScenario(
  store: Store,
  log: (line: ScenarioLine) => void = () => {},
): Promise<ScenarioLine[]> {
  const lines: ScenarioLine[] = [];
  const say = (step: string, detail: string) => {
    const line = { step, detail };
    lines.push(line);
    log(line);
  };
  const clock = manualClock(new Date("2026-11-20T10:00:00Z"));
  const coins: Coinage = createCoinage({
    store,
    clock,
    program: { id: "demo-shop", coinValue: "0.25", timeZone: "Asia/Kolkata" },
  });

  await coins.events.create({
    id: "PURCHASE",
    name: "Purchase cashback",
    reward: {
      kind: "tiered",
      mode: "flat",
      tiers: [
        { from: "0", percent: "5" },
        { from: "10000", percent: "10" },
      ],
    },
    promotions: [
      {
        id: "HOLIDAY_SALE",
        multiplier: "2",
        from: "2026-12-20T00:00:00Z",
        until: "2026-12-27T00:00:00Z",
      },
    ],
    caps: { perAllocation: "20000" },
    expiry: { endOf: "month", plus: 2 },
  });
  await coins.events.create({
    id: "REFERRAL",
    name: "Referral bonus",
    reward: { kind: "fixed", coins: "500" },
    expiry: { days: 45 },
  });

  const small = await coins.allocate({
    userId: "asha",
    event: "PURCHASE",
    requestId: "order-1001",
    amount: "4000.00",
  });
  say(
    "tiered",
    `order of 4000.00 at 5% -> ${small.coins} coins (${small.breakdown.base} before rounding), expire ${small.expiresAt}`,
  );
  const big = await coins.allocate({
    userId: "asha",
    event: "PURCHASE",
    requestId: "order-1002",
    amount: "12000.00",
  });
  say("tiered", `order of 12000.00 at 10% -> ${big.coins} coins`);

  const referral = await coins.allocate({
    userId: "asha",
    event: "REFERRAL",
    requestId: "referral-77",
  });
  say("fixed", `referral bonus -> ${referral.coins} coins, expire ${referral.expiresAt}`);

  clock.set(new Date("2026-12-22T09:30:00Z"));
  const holiday = await coins.allocate({
    userId: "asha",
    event: "PURCHASE",
    requestId: "order-1003",
    amount: "2000.00",
  });
  say(
    "promotion",
    `holiday sale order of 2000.00 -> ${holiday.coins} coins (base ${holiday.breakdown.base} x ${holiday.breakdown.multiplier})`,
  );

  const before = await coins.balance("asha");
  say(
    "balance",
    `available ${before.available} coins = ${before.value} in currency; next expiry ${before.nextExpiry?.coins} at ${before.nextExpiry?.at}`,
  );

  const spent = await coins.redeem({ userId: "asha", coins: "1000", requestId: "checkout-9" });
  say(
    "redeem",
    `1000 coins taken earliest-expiry first: ${spent.lots.map((l) => `lot ${l.lotId}: ${l.coins}`).join(", ")}`,
  );

  const retry = await coins.redeem({ userId: "asha", coins: "1000", requestId: "checkout-9" });
  say(
    "idempotency",
    `the same requestId again returns the first result (${retry.coins} coins), nothing booked twice`,
  );

  clock.set(new Date("2027-02-10T00:00:00Z"));
  const swept = await coins.expire();
  const after = await coins.balance("asha");
  say(
    "expiry",
    `${swept.coins} coins expired in ${swept.lots} lots; available now ${after.available}`,
  );

  const history = await coins.history("asha", { limit: 20 });
  say("history", history.items.map((e) => `${e.type} ${e.coins}`).join(", "));
  return lines;
}
