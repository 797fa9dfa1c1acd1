import { expect, it } from "vitest";
import {
  allHistory,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
  sumCoins,
  unmarked,
} from "../harness.js";

/** Settle every promise; errors are reduced to their code. */
async function settle<T>(promises: readonly Promise<T>[]) {
  const outcomes = await Promise.allSettled(promises);
  return outcomes.map((outcome) =>
    outcome.status === "fulfilled"
      ? ({ ok: true, value: outcome.value } as const)
      : ({
          ok: false,
          code: (outcome.reason as { code?: string }).code ?? String(outcome.reason),
        } as const),
  );
}

export function concurrencySuite(ref: StoreRef): void {
  it("redeem - should never overspend under 50 parallel redemptions on one account", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("BIG", "500", { expiry: { days: 30 } }));
    await coins.events.create(fixed("NEVER", "500"));
    await coins.allocate({ userId: "u1", event: "BIG", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    const amounts = Array.from({ length: 50 }, (_, i) => 20 + (i % 5) * 10);
    const outcomes = await settle(
      amounts.map((amount, i) =>
        coins.redeem({ userId: "u1", coins: String(amount), requestId: `x${i}` }),
      ),
    );
    let spent = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) spent += amounts[i] as number;
      else expect(outcome.code, `redemption ${i}`).toBe("INSUFFICIENT_COINS");
    });
    expect(spent).toBeLessThanOrEqual(1000);
    expect(outcomes.some((o) => !o.ok)).toBe(true);
    // A redemption of at most 60 was refused, so fewer than 60 coins were left then, and later.
    expect(spent).toBeGreaterThan(1000 - 60);
    const balance = await coins.balance("u1");
    expectDec(balance.available, 1000 - spent);
    const history = await allHistory(coins, "u1");
    expect(history.filter((e) => e.type === "redeem")).toHaveLength(
      outcomes.filter((o) => o.ok).length,
    );
    expectDec(history[0]?.balanceAfter, sumCoins(history.map((e) => e.coins)));
    expectDec(history[0]?.balanceAfter, 1000 - spent);
    const lots = await world.openLots("u1");
    for (const lot of lots) expect(Number(lot.remaining)).toBeGreaterThanOrEqual(0);
    expect(sumCoins(lots.map((lot) => lot.remaining))).toBe(BigInt(1000 - spent));
  });

  it("allocate - should book once when the same requestId arrives 20 times in parallel", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    const outcomes = await settle(
      Array.from({ length: 20 }, () =>
        coins.allocate({ userId: "u1", event: "SALE", requestId: "same" }),
      ),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // One call books; every other answers its result as a replay.
    const values = outcomes.map((o) => (o.ok ? o.value : undefined)).filter((v) => v !== undefined);
    expect(values.filter((v) => !v.replayed)).toHaveLength(1);
    for (const value of values) expect(unmarked(value)).toEqual(unmarked(values[0] as object));
    expect(await world.openLots("u1")).toHaveLength(1);
    const history = await allHistory(coins, "u1");
    expect(history.map((e) => e.type)).toEqual(["earn"]);
    expectDec((await coins.balance("u1")).available, "100");
  });

  it("redeem - should spend once when the same requestId arrives 20 times in parallel", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const outcomes = await settle(
      Array.from({ length: 20 }, () =>
        coins.redeem({ userId: "u1", coins: "30", requestId: "same" }),
      ),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // One call books; every other answers its result as a replay.
    const values = outcomes.map((o) => (o.ok ? o.value : undefined)).filter((v) => v !== undefined);
    expect(values.filter((v) => !v.replayed)).toHaveLength(1);
    for (const value of values) expect(unmarked(value)).toEqual(unmarked(values[0] as object));
    expectDec((await coins.balance("u1")).available, "70");
    expect((await allHistory(coins, "u1")).filter((e) => e.type === "redeem")).toHaveLength(1);
  });

  it("allocate - should never pass an event budget under parallel allocations by many users", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("LAUNCH", "70", { caps: { budget: "1000" } }));
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const outcomes = await settle(
      users.map((user) =>
        coins.allocate({ userId: user, event: "LAUNCH", requestId: `a-${user}` }),
      ),
    );
    let handed = 0n;
    for (const outcome of outcomes) {
      expect(outcome.ok, outcome.ok ? "" : outcome.code).toBe(true);
      if (outcome.ok) handed += sumCoins([outcome.value.coins]);
    }
    expect(handed).toBe(1000n);
    let held = 0n;
    for (const user of users) held += sumCoins([(await coins.balance(user)).available]);
    expect(held).toBe(1000n);
  });

  it("reverse - should never reverse more than was booked under parallel partial reversals", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100"));
    await coins.events.create(fixed("NEVER", "500"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    const outcomes = await settle(
      Array.from({ length: 10 }, (_, i) =>
        coins.reverse({ requestId: `r${i}`, of: "a1", coins: "20" }),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
    for (const outcome of outcomes)
      if (!outcome.ok) expect(outcome.code).toBe("REVERSAL_EXCEEDS_ORIGINAL");
    expectDec((await coins.balance("u1")).available, "500");
  });

  it("redeem - should keep the books straight under mixed parallel allocations and redemptions", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "25", { expiry: { days: 5 } }));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "seed" });
    const ops = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? coins.allocate({ userId: "u1", event: "SALE", requestId: `a${i}` }).then(() => 25)
        : coins.redeem({ userId: "u1", coins: "20", requestId: `x${i}` }).then(() => -20),
    );
    const outcomes = await settle(ops);
    let expected = 25;
    for (const outcome of outcomes) {
      if (outcome.ok) expected += outcome.value;
      else expect(outcome.code).toBe("INSUFFICIENT_COINS");
    }
    // Every allocation books; the first redemption to run finds at least the seeded 25.
    expect(outcomes.filter((o, i) => i % 2 === 0 && o.ok)).toHaveLength(20);
    expect(outcomes.filter((o, i) => i % 2 === 1 && o.ok).length).toBeGreaterThan(0);
    expectDec((await coins.balance("u1")).available, expected);
    const history = await allHistory(coins, "u1");
    expect(history).toHaveLength(1 + outcomes.filter((o) => o.ok).length);
    expectDec(history[0]?.balanceAfter, expected);
    expect(new Set(history.map((e) => e.seq)).size).toBe(history.length);
  });

  it("allocate - should never pass a per-user cap under parallel allocations for one user", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(
      fixed("DAILY", "40", { caps: { perUser: [{ coins: "150", period: "day" }] } }),
    );
    const outcomes = await settle(
      Array.from({ length: 20 }, (_, i) =>
        coins.allocate({ userId: "u1", event: "DAILY", requestId: `a${i}` }),
      ),
    );
    let handed = 0n;
    for (const outcome of outcomes) {
      expect(outcome.ok, outcome.ok ? "" : outcome.code).toBe(true);
      if (outcome.ok) handed += sumCoins([outcome.value.coins]);
    }
    expect(handed).toBe(150n);
    expectDec((await coins.balance("u1")).available, "150");
  });

  it("reverse - should restore a redemption once under parallel whole reversals", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "60", requestId: "x1" });
    const outcomes = await settle(
      Array.from({ length: 10 }, (_, i) =>
        coins.reverse({ requestId: `r${i}`, of: "x1", coins: "60" }),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    for (const outcome of outcomes)
      if (!outcome.ok) expect(outcome.code).toBe("REVERSAL_EXCEEDS_ORIGINAL");
    expectDec((await coins.balance("u1")).available, "100");
  });

  it("expire - should expire each lot once under parallel sweeps", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SHORT", "10", { expiry: { days: 1 } }));
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const user of users) {
      await coins.allocate({ userId: user, event: "SHORT", requestId: `a-${user}` });
      await coins.allocate({ userId: user, event: "SHORT", requestId: `b-${user}` });
    }
    clock.advance({ days: 1 });
    const outcomes = await settle(Array.from({ length: 5 }, () => coins.expire({ batchSize: 4 })));
    let lots = 0;
    let expired = 0n;
    for (const outcome of outcomes) {
      expect(outcome.ok, outcome.ok ? "" : outcome.code).toBe(true);
      if (outcome.ok) {
        lots += outcome.value.lots;
        expired += sumCoins([outcome.value.coins]);
      }
    }
    expect(lots).toBe(24);
    expect(expired).toBe(240n);
    for (const user of users) {
      const history = await allHistory(coins, user);
      expect(
        history.map((e) => e.type),
        user,
      ).toEqual(["expire", "expire", "earn", "earn"]);
    }
  });

  it("events.update - should let exactly one of parallel updates with the same expectedVersion win", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100"));
    const outcomes = await settle(
      Array.from({ length: 10 }, (_, i) =>
        coins.events.update("SALE", { name: `name ${i}` }, { expectedVersion: 1 }),
      ),
    );
    const winners = outcomes.filter((o) => o.ok);
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) if (!outcome.ok) expect(outcome.code).toBe("VERSION_CONFLICT");
    const stored = await coins.events.get("SALE");
    expect(stored.version).toBe(2);
    expect(stored).toEqual(winners[0]?.ok && winners[0].value);
  });

  it("events.create - should let exactly one of parallel creates with the same id win", async () => {
    const { coins } = newWorld(storeOf(ref));
    const outcomes = await settle(
      Array.from({ length: 10 }, (_, i) => coins.events.create(fixed("SALE", String(i + 1)))),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    for (const outcome of outcomes) if (!outcome.ok) expect(outcome.code).toBe("EVENT_EXISTS");
    expect((await coins.events.get("SALE")).version).toBe(1);
  });
}
