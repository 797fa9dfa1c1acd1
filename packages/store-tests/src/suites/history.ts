import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
  sumCoins,
} from "../harness.js";

export function historySuite(ref: StoreRef): void {
  it("history - should list entries newest first with their fields", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const earned = await coins.allocate({
      userId: "u1",
      event: "SALE",
      requestId: "a1",
      reason: "order 17",
    });
    const earnedAt = clock.ms;
    clock.advance({ hours: 1 });
    const spent = await coins.redeem({ userId: "u1", coins: "40", requestId: "x1" });
    const page = await coins.history("u1");
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(2);
    const [redeem, earn] = page.items;
    expect(earn).toMatchObject({
      type: "earn",
      requestId: "a1",
      event: "SALE",
      lots: [{ lotId: earned.lotId }],
      reason: "order 17",
    });
    expectDec(earn?.coins, "100");
    expectDec(earn?.balanceAfter, "100");
    expectDec(earn?.debtAfter, "0");
    expect(Date.parse(earn?.at as string)).toBe(earnedAt);
    expect(redeem).toMatchObject({ type: "redeem", requestId: "x1", lots: spent.lots });
    expectDec(redeem?.coins, "-40");
    expectDec(redeem?.balanceAfter, "60");
    expect(Date.parse(redeem?.at as string)).toBe(clock.ms);
    expect((redeem?.seq as number) > (earn?.seq as number)).toBe(true);
  });

  it("history - should page with cursors so that every entry appears exactly once", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "10"));
    for (let i = 0; i < 9; i++)
      await coins.allocate({ userId: "u1", event: "SALE", requestId: `a${i}` });
    for (let i = 0; i < 4; i++)
      await coins.redeem({ userId: "u1", coins: "3", requestId: `x${i}` });
    const everything = (await coins.history("u1", { limit: 100 })).items;
    expect(everything).toHaveLength(13);

    for (const limit of [1, 4, 5, 13]) {
      const paged = await allHistory(coins, "u1", limit);
      expect(paged, `limit ${limit}`).toEqual(everything);
    }
    const seqs = everything.map((entry) => entry.seq);
    expect(new Set(seqs).size).toBe(13);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expectDec(everything[0]?.balanceAfter, sumCoins(everything.map((e) => e.coins)));
  });

  it("history - should keep a cursor stable while new entries are written", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "10"));
    for (let i = 0; i < 6; i++)
      await coins.allocate({ userId: "u1", event: "SALE", requestId: `a${i}` });
    const first = await coins.history("u1", { limit: 3 });
    expect(first.items.map((e) => e.requestId)).toEqual(["a5", "a4", "a3"]);
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a6" });
    const second = await coins.history("u1", { limit: 3, cursor: first.nextCursor as string });
    expect(second.items.map((e) => e.requestId)).toEqual(["a2", "a1", "a0"]);
    const fresh = await coins.history("u1", { limit: 1 });
    expect(fresh.items[0]?.requestId).toBe("a6");
  });

  it("history - should be empty for an unknown user and reject a bad limit or cursor with INVALID_INPUT", async () => {
    const { coins } = newWorld(storeOf(ref));
    const page = await coins.history("nobody");
    expect(page).toEqual({ items: [], nextCursor: null });
    await expectCode(coins.history("u1", { limit: 0 }), "INVALID_INPUT");
    await expectCode(coins.history("u1", { limit: 1.5 }), "INVALID_INPUT");
    await expectCode(coins.history("u1", { cursor: "not-a-cursor" }), "INVALID_INPUT");
  });
}
