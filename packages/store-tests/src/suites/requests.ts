/**
 * `request(requestId)`: a booked write as it stands now, read back through
 * the store's request records, with its reversal progress.
 */
import { expect, it } from "vitest";
import { expectCode, expectDec, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

export function requestsSuite(ref: StoreRef): void {
  it("request - should answer each kind of write with its user, coins and first result", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const earned = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const earnedAt = clock.iso;
    clock.advance({ hours: 1 });
    const spent = await coins.redeem({ userId: "u1", coins: "30", requestId: "r1" });
    const adjusted = await coins.adjust({
      userId: "u1",
      coins: "5",
      requestId: "j1",
      reason: "goodwill",
    });

    const allocation = await coins.request("a1");
    expect(allocation).toMatchObject({
      requestId: "a1",
      kind: "allocate",
      userId: "u1",
      at: earnedAt,
      result: earned,
    });
    expectDec(allocation.coins, "100");
    expectDec(allocation.reversed, "0");
    expect(allocation.result.replayed).toBe(false);

    const redemption = await coins.request("r1");
    expect(redemption).toMatchObject({ kind: "redeem", userId: "u1", at: clock.iso });
    expect(redemption.result).toEqual(spent);
    expectDec(redemption.coins, "30");

    const adjustment = await coins.request("j1");
    expect(adjustment).toMatchObject({ kind: "adjust", userId: "u1", result: adjusted });
    expect(Object.keys(allocation).sort()).toEqual(
      ["at", "coins", "kind", "requestId", "result", "reversed", "userId"].sort(),
    );
  });

  it("request - should show how much of an allocation or redemption was reversed so far", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "40", requestId: "r1" });
    await coins.reverse({ requestId: "v1", of: "a1", coins: "25" });
    await coins.reverse({ requestId: "v2", of: "r1", coins: "10" });
    expectDec((await coins.request("a1")).reversed, "25");
    expectDec((await coins.request("r1")).reversed, "10");
    await coins.reverse({ requestId: "v3", of: "a1" });
    const whole = await coins.request("a1");
    expectDec(whole.reversed, "100");
    expectDec(whole.coins, "100");

    const reversal = await coins.request("v1");
    expect(reversal).toMatchObject({ kind: "reverse", userId: "u1" });
    expectDec(reversal.coins, "25");
    expectDec(reversal.reversed, "0");
    if (reversal.kind !== "reverse") throw new Error("expected a reversal");
    expect(reversal.result).toMatchObject({ of: "a1", kind: "allocation", replayed: false });
  });

  it("request - should be REQUEST_NOT_FOUND for an unknown id, a failed write, or another program's request", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    const other = newWorld(store);
    await coins.events.create(fixed("SALE", "10"));
    await other.coins.events.create(fixed("SALE", "10"));
    await other.coins.allocate({ userId: "u1", event: "SALE", requestId: "theirs" });
    const missing = await expectCode(coins.request("nope"), "REQUEST_NOT_FOUND");
    expect(missing.details).toEqual({ requestId: "nope" });
    await expectCode(coins.request("theirs"), "REQUEST_NOT_FOUND");
    // Not enough coins: nothing booked, so nothing to find.
    await expectCode(
      coins.redeem({ userId: "u1", coins: "5", requestId: "failed" }),
      "INSUFFICIENT_COINS",
    );
    await expectCode(coins.request("failed"), "REQUEST_NOT_FOUND");
    await expectCode(coins.request(""), "INVALID_INPUT");
    await expectCode(coins.request(42 as never), "INVALID_INPUT");
  });

  it("request - should find requests whose ids need escaping, exactly", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "10"));
    for (const requestId of ["__proto__", 'a "quoted" {id}: 1', "ünïcødé ✓"]) {
      await coins.allocate({ userId: "u1", event: "SALE", requestId });
      const found = await coins.request(requestId);
      expect(found.requestId).toBe(requestId);
      expect(found.kind).toBe("allocate");
    }
  });
}
