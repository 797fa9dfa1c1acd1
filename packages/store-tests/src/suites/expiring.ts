/**
 * `expiring({ before, limit, cursor })`: program-wide, the users with coins
 * expiring after now and at or before `before`, paged in the order of each
 * account's earliest expiry, then user id.
 */
import type { Coinage, ExpiringCoins } from "@coinage/core";
import { expect, it } from "vitest";
import { DAY, expectCode, expectDec, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

/** Every page, following cursors. */
async function all(coins: Coinage, before: Date, limit: number): Promise<ExpiringCoins[]> {
  const out: ExpiringCoins[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await coins.expiring(
      cursor === undefined ? { before, limit } : { before, limit, cursor },
    );
    expect(result.items.length).toBeLessThanOrEqual(limit);
    out.push(...result.items);
    if (result.nextCursor === null) return out;
    cursor = result.nextCursor;
  }
  throw new Error("paging did not end");
}

export function expiringSuite(ref: StoreRef): void {
  it("expiring - should list users with coins expiring by an instant, earliest first, with their coins", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    const start = clock.ms;
    await coins.events.create(fixed("D3", "30", { expiry: { days: 3 } }));
    await coins.events.create(fixed("D5", "50", { expiry: { days: 5 } }));
    await coins.events.create(fixed("D40", "40", { expiry: { days: 40 } }));
    await coins.events.create(fixed("NEVER", "10"));
    await coins.allocate({ userId: "cleo", event: "D5", requestId: "c1" });
    await coins.allocate({ userId: "cleo", event: "D5", requestId: "c2" });
    await coins.allocate({ userId: "cleo", event: "D40", requestId: "c3" });
    await coins.allocate({ userId: "bo", event: "D3", requestId: "b1" });
    await coins.allocate({ userId: "bo", event: "D5", requestId: "b2" });
    await coins.redeem({ userId: "bo", coins: "10", requestId: "b3" }); // from the D3 lot
    await coins.allocate({ userId: "ann", event: "D5", requestId: "a1" });
    await coins.allocate({ userId: "dan", event: "NEVER", requestId: "d1" });
    await coins.allocate({ userId: "eve", event: "D40", requestId: "e1" });
    clock.advance({ hours: 1 });

    const page = await coins.expiring({ before: new Date(start + 7 * DAY) });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((item) => item.userId)).toEqual(["bo", "ann", "cleo"]);
    const [bo, ann, cleo] = page.items as ExpiringCoins[];
    expectDec(bo?.coins, "70", "20 left of the D3 lot and the D5 lot");
    expect(bo?.earliest).toBe(new Date(start + 3 * DAY).toISOString());
    expectDec(ann?.coins, "50");
    expectDec(cleo?.coins, "100", "both D5 lots, not the D40 one");
    expect(cleo?.earliest).toBe(new Date(start + 5 * DAY).toISOString());

    const everyone = await coins.expiring({ before: new Date(start + 60 * DAY) });
    expect(everyone.items.map((item) => item.userId)).toEqual(["bo", "ann", "cleo", "eve"]);
    expectDec(everyone.items[2]?.coins, "140");
    const sooner = await coins.expiring({ before: new Date(start + 3 * DAY) });
    expect(sooner.items.map((item) => [item.userId, item.coins])).toEqual([["bo", "20"]]);
  });

  it("expiring - should page through users sharing an expiry, each exactly once", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("D5", "5", { expiry: { days: 5 } }));
    await coins.events.create(fixed("D6", "6", { expiry: { days: 6 } }));
    const users = ["u1", "u2", "u3", "u4", "u5", "__proto__", "x y", "ü"];
    for (const [i, userId] of users.entries())
      await coins.allocate({ userId, event: i % 3 === 0 ? "D6" : "D5", requestId: `r${i}` });
    clock.advance({ hours: 1 });
    const before = new Date(clock.ms + 10 * DAY);
    const whole = (await coins.expiring({ before, limit: 100 })).items;
    expect(whole.map((item) => item.userId).sort()).toEqual([...users].sort());
    for (const limit of [1, 2, 3, 7]) {
      expect(await all(coins, before, limit), `limit ${limit}`).toEqual(whole);
    }
    const d5 = whole.filter((item) => item.coins === "5").map((item) => item.userId);
    expect(d5, "D5 users first, by id").toEqual([...d5].sort());
  });

  it("expiring - should leave out coins already expired, swept or not, and spent or reversed coins", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    const start = clock.ms;
    await coins.events.create(fixed("D1", "10", { expiry: { days: 1 } }));
    await coins.events.create(fixed("D4", "20", { expiry: { days: 4 } }));
    await coins.allocate({ userId: "old", event: "D1", requestId: "o1" });
    await coins.allocate({ userId: "both", event: "D1", requestId: "b1" });
    await coins.allocate({ userId: "both", event: "D4", requestId: "b2" });
    await coins.allocate({ userId: "spent", event: "D4", requestId: "s1" });
    await coins.redeem({ userId: "spent", coins: "20", requestId: "s2" });
    await coins.allocate({ userId: "gone", event: "D4", requestId: "g1" });
    await coins.reverse({ requestId: "g2", of: "g1" });
    clock.advance({ days: 2 });
    const before = new Date(start + 10 * DAY);
    const unswept = await all(coins, before, 1);
    expect(unswept.map((item) => [item.userId, item.coins])).toEqual([["both", "20"]]);
    expect(unswept[0]?.earliest).toBe(new Date(start + 4 * DAY).toISOString());
    await coins.expire();
    expect(await all(coins, before, 1)).toEqual(unswept);
  });

  it("expiring - should be empty for another program and reject bad input with INVALID_INPUT", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    const other = newWorld(store);
    await other.coins.events.create(fixed("D4", "20", { expiry: { days: 4 } }));
    await other.coins.allocate({ userId: "u1", event: "D4", requestId: "a1" });
    const before = new Date(Date.now() + 400 * DAY);
    expect(await coins.expiring({ before })).toEqual({ items: [], nextCursor: null });
    await expectCode(coins.expiring({} as never), "INVALID_INPUT");
    await expectCode(coins.expiring({ before, limit: 0 }), "INVALID_INPUT");
    await expectCode(coins.expiring({ before, cursor: "nope" }), "INVALID_INPUT");
  });
}
