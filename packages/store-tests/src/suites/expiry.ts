import { expect, it } from "vitest";
import {
  allHistory,
  DAY,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

export function expirySuite(ref: StoreRef): void {
  it("balance - should drop expired coins exactly at expiresAt, without a sweep", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const allocated = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const expiresAt = Date.parse(allocated.expiresAt as string);
    expect(expiresAt).toBe(clock.ms + 30 * DAY);

    clock.set(expiresAt - 1);
    const before = await coins.balance("u1");
    expectDec(before.available, "100");
    expect(before.nextExpiry?.at).toBe(allocated.expiresAt);
    expectDec(before.nextExpiry?.coins, "100");

    clock.set(expiresAt);
    const at = await coins.balance("u1");
    expectDec(at.available, "0", "an expiry instant is exclusive");
    expectDec(at.pending, "0");
    expect(at.nextExpiry).toBeNull();
    await expectCode(
      coins.redeem({ userId: "u1", coins: "1", requestId: "r1" }),
      "INSUFFICIENT_COINS",
    );
    const history = await allHistory(coins, "u1");
    expect(history.map((entry) => entry.type)).toEqual(["earn"]);
  });

  it("expire - should write one expire entry per expired lot, and expire nothing on a second run", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("SHORT", "100", { expiry: { days: 10 } }));
    await coins.events.create(fixed("LONG", "70", { expiry: { days: 40 } }));
    const short = await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "LONG", requestId: "a2" });
    await coins.allocate({ userId: "u2", event: "SHORT", requestId: "b1" });
    await coins.redeem({ userId: "u2", coins: "30", requestId: "b2" });
    clock.advance({ days: 10 });

    const result = await coins.expire();
    expect(result.accounts).toBe(2);
    expect(result.lots).toBe(2);
    expectDec(result.coins, "170");

    const history = await allHistory(coins, "u1");
    expect(history.map((entry) => entry.type)).toEqual(["expire", "earn", "earn"]);
    const expired = history[0];
    expectDec(expired?.coins, "-100");
    expect(expired?.lots.map((m) => [m.lotId, Number(m.coins)])).toEqual([[short.lotId, 100]]);
    expectDec(expired?.balanceAfter, "70");
    expect(Date.parse(expired?.at as string)).toBe(clock.ms);
    const u2 = await allHistory(coins, "u2");
    expectDec(u2[0]?.coins, "-70");

    const lots = await world.lots("u1", [short.lotId as number]);
    expectDec(lots.find((lot) => lot.id === short.lotId)?.remaining, "0");
    expectDec((await coins.balance("u1")).available, "70");

    const again = await coins.expire();
    expect(again.lots).toBe(0);
    expect(again.accounts).toBe(0);
    expectDec(again.coins, "0");
    expect(await allHistory(coins, "u1")).toEqual(history);
  });

  it("expire - should not touch lots that expire after the sweep instant", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SHORT", "100", { expiry: { days: 10 } }));
    const allocated = await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    clock.set(Date.parse(allocated.expiresAt as string) - 1);
    const result = await coins.expire();
    expect(result.lots).toBe(0);
    expectDec((await coins.balance("u1")).available, "100");
    expect((await allHistory(coins, "u1")).map((e) => e.type)).toEqual(["earn"]);
  });

  it("allocate - should date endOf-month expiry and a one-day activation on New York's wall clock across DST changes", async () => {
    const world = newWorld(storeOf(ref), {
      timeZone: "America/New_York",
      start: "2026-03-07T17:00:00.000Z", // Saturday 12:00 EST, the eve of spring-forward
    });
    const { coins, clock } = world;
    await coins.events.create(
      fixed("NY", "100", { expiry: { endOf: "month" }, activation: { days: 1 } }),
    );

    const spring = await coins.allocate({ userId: "u1", event: "NY", requestId: "spring" });
    // Sunday 12:00 EDT, 23 hours later; 1 April 00:00 EDT.
    expect(spring.availableAt).toBe("2026-03-08T16:00:00.000Z");
    expect(spring.expiresAt).toBe("2026-04-01T04:00:00.000Z");
    const [lot] = await world.lots("u1", [spring.lotId as number]);
    expect(lot?.availableAt).toBe(Date.parse("2026-03-08T16:00:00.000Z"));
    expect(lot?.expiresAt).toBe(Date.parse("2026-04-01T04:00:00.000Z"));

    clock.set(Date.parse("2026-03-08T16:00:00.000Z") - 1);
    const pending = await coins.balance("u1");
    expectDec(pending.pending, "100");
    expectDec(pending.available, "0");
    clock.set("2026-03-08T16:00:00.000Z");
    expectDec((await coins.balance("u1")).available, "100");
    clock.set(Date.parse("2026-04-01T04:00:00.000Z") - 1);
    expectDec((await coins.balance("u1")).available, "100");
    clock.set("2026-04-01T04:00:00.000Z");
    expectDec((await coins.balance("u1")).available, "0", "expired at New York's midnight");

    clock.set("2026-10-20T16:00:00.000Z"); // 12:00 EDT
    const autumn = await coins.allocate({ userId: "u1", event: "NY", requestId: "autumn" });
    expect(autumn.availableAt).toBe("2026-10-21T16:00:00.000Z");
    // 1 November 00:00 is still EDT: the clocks go back at 02:00.
    expect(autumn.expiresAt).toBe("2026-11-01T04:00:00.000Z");

    clock.set("2026-11-01T05:30:00.000Z"); // 01:30 EDT, the first of the two 01:30s
    const fallBack = await coins.allocate({ userId: "u1", event: "NY", requestId: "fall-back" });
    // Monday 01:30 EST, 25 hours later; 1 December 00:00 EST.
    expect(fallBack.availableAt).toBe("2026-11-02T06:30:00.000Z");
    expect(fallBack.expiresAt).toBe("2026-12-01T05:00:00.000Z");
  });

  it("expire - should sweep every account, across batches", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SHORT", "5", { expiry: { days: 1 } }));
    const users = Array.from({ length: 23 }, (_, i) => `user-${String(i).padStart(2, "0")}`);
    for (const user of users)
      await coins.allocate({ userId: user, event: "SHORT", requestId: `a-${user}` });
    clock.advance({ days: 2 });
    const result = await coins.expire({ batchSize: 5 });
    expect(result.accounts).toBe(23);
    expect(result.lots).toBe(23);
    expectDec(result.coins, "115");
    for (const user of users) {
      const history = await allHistory(coins, user);
      expect(
        history.map((e) => e.type),
        user,
      ).toEqual(["expire", "earn"]);
    }
    expect((await coins.expire({ batchSize: 5 })).lots).toBe(0);
  });

  it("expire - should sweep only lots expired by before, refuse a before later than now, and never expire a lot that has not expired yet", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("ONE", "10", { expiry: { days: 1 } }));
    await coins.events.create(fixed("TWO", "20", { expiry: { days: 2 } }));
    await coins.events.create(fixed("NINE", "40", { expiry: { days: 9 } }));
    const one = await coins.allocate({ userId: "u1", event: "ONE", requestId: "a1" });
    const two = await coins.allocate({ userId: "u1", event: "TWO", requestId: "a2" });
    await coins.allocate({ userId: "u1", event: "NINE", requestId: "a3" });
    clock.advance({ days: 3 });

    const partial = await coins.expire({ before: new Date(Date.parse(one.expiresAt as string)) });
    expect(partial.lots).toBe(1);
    expectDec(partial.coins, "10");
    const refused = await coins.expire({ before: new Date(clock.ms + 30 * DAY) }).catch((e) => e);
    expect(refused).toMatchObject({ code: "INVALID_INPUT" });
    expect(refused.details.issues[0].path).toBe("before");
    expect(expireEntries(await allHistory(coins, "u1"))).toBe(1);
    const now = await coins.expire();
    expect(now.lots).toBe(1);
    expectDec(now.coins, "20", "a sweep never expires coins that still count");
    expectDec((await coins.balance("u1")).available, "40");
    const history = await allHistory(coins, "u1");
    expect(history.filter((e) => e.type === "expire").map((e) => e.lots[0]?.lotId)).toEqual([
      two.lotId,
      one.lotId,
    ]);
  });
}

/** How many expire entries a history holds. */
function expireEntries(entries: readonly { type: string }[]): number {
  return entries.filter((e) => e.type === "expire").length;
}
