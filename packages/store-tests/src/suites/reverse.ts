import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

const moves = (lots: readonly { lotId: number; coins: string }[]) =>
  lots.map((m) => [m.lotId, Number(m.coins)]);

export function reverseSuite(ref: StoreRef): void {
  it("reverse - should take a whole allocation back from its own lot", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100", { expiry: { days: 30 } }));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" });
    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    expect(reversal).toMatchObject({ requestId: "r1", of: "a1", userId: "u1", kind: "allocation" });
    expectDec(reversal.coins, "100");
    expectDec(reversal.taken, "100");
    expectDec(reversal.debt, "0");
    expectDec(reversal.forgiven, "0");
    expect(moves(reversal.lots)).toEqual([[a.lotId, 100]]);
    expectDec(reversal.balance.available, "100");
    const [latest] = await allHistory(coins, "u1");
    expect(latest).toMatchObject({ type: "reverse", requestId: "r1" });
    expectDec(latest?.coins, "-100");
    expectDec(latest?.balanceAfter, "100");
    const lots = await world.lots("u1", [a.lotId as number]);
    expectDec(lots.find((lot) => lot.id === a.lotId)?.remaining, "0");
  });

  it("reverse - should take part of an allocation, then the rest, then fail with REVERSAL_EXCEEDS_ORIGINAL", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const part = await coins.reverse({ requestId: "r1", of: "a1", coins: "30" });
    expectDec(part.coins, "30");
    expect(moves(part.lots)).toEqual([[a.lotId, 30]]);
    expectDec(part.balance.available, "70");
    const rest = await coins.reverse({ requestId: "r2", of: "a1" });
    expectDec(rest.coins, "70", "no coins means the whole remainder");
    expectDec(rest.balance.available, "0");
    const before = await world.state("u1");
    const error = await expectCode(
      coins.reverse({ requestId: "r3", of: "a1", coins: "1" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expect(error.details).toMatchObject({ requestId: "a1" });
    expectDec(error.details.remaining as string, "0");
    expectDec(error.details.requested as string, "1");
    expect(await world.state("u1")).toEqual(before);
  });

  it("reverse - should fail with REVERSAL_EXCEEDS_ORIGINAL when asked for more than was booked, and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "40", requestId: "x1" });
    const before = await world.state("u1");
    const error = await expectCode(
      coins.reverse({ requestId: "r1", of: "a1", coins: "150" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expectDec(error.details.remaining as string, "100");
    expectDec(error.details.requested as string, "150");
    await expectCode(
      coins.reverse({ requestId: "r2", of: "x1", coins: "41" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expect(await world.state("u1")).toEqual(before);
  });

  it("reverse - should take from the allocation's lot first, then earliest expiry first from the others", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
    await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
    await coins.events.create(fixed("NEVER", "100"));
    const month = await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
    const week = await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a2" });
    const never = await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a3" });
    const spent = await coins.redeem({ userId: "u1", coins: "150", requestId: "x1" });
    expect(moves(spent.lots)).toEqual([
      [week.lotId, 100],
      [month.lotId, 50],
    ]);
    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    expectDec(reversal.taken, "100");
    expect(moves(reversal.lots)).toEqual([
      [month.lotId, 50],
      [never.lotId, 50],
    ]);
    expectDec(reversal.debt, "0");
    expectDec(reversal.balance.available, "50");
  });

  it("reverse - should book what is missing as debt under clawback debt, and later earnings pay it first", async () => {
    const world = newWorld(storeOf(ref), { clawback: "debt" });
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.events.create(fixed("SMALL", "50"));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "80", requestId: "x1" });
    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    expectDec(reversal.taken, "20");
    expectDec(reversal.debt, "80");
    expectDec(reversal.forgiven, "0");
    expect(moves(reversal.lots)).toEqual([[a.lotId, 20]]);
    expectDec(reversal.balance.available, "0");
    expectDec(reversal.balance.debt, "80");
    let [latest] = await allHistory(coins, "u1");
    expectDec(latest?.coins, "-100", "the reversal books the taken coins and the debt");
    expectDec(latest?.balanceAfter, "-80");
    expectDec(latest?.debtAfter, "80");

    const small = await coins.allocate({ userId: "u1", event: "SMALL", requestId: "a2" });
    expectDec(small.coins, "50");
    expectDec(small.debtPaid, "50");
    expectDec(small.balance.available, "0");
    expectDec(small.balance.debt, "30");

    const big = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a3" });
    expectDec(big.coins, "100");
    expectDec(big.debtPaid, "30");
    expectDec(big.balance.available, "70");
    expectDec(big.balance.debt, "0");
    const lots = await world.lots("u1");
    expect(lots.map((lot) => [lot.id, Number(lot.remaining)])).toEqual([[big.lotId, 70]]);
    [latest] = await allHistory(coins, "u1");
    expectDec(latest?.balanceAfter, "70");
    expectDec(latest?.debtAfter, "0");

    const more = await coins.allocate({ userId: "u1", event: "SMALL", requestId: "a4" });
    expectDec(more.debtPaid, "0");
    expectDec(more.balance.available, "120");
  });

  it("reverse - should forgive what is missing under clawback cap", async () => {
    const { coins } = newWorld(storeOf(ref), { clawback: "cap" });
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "80", requestId: "x1" });
    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    expectDec(reversal.taken, "20");
    expectDec(reversal.debt, "0");
    expectDec(reversal.forgiven, "80");
    expectDec(reversal.balance.available, "0");
    expectDec(reversal.balance.debt, "0");
    const next = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" });
    expectDec(next.debtPaid, "0");
    expectDec(next.balance.available, "100");
  });

  it("reverse - should put a redemption's coins back into their lots with their original expiry", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
    await coins.events.create(fixed("NEVER", "100"));
    const week = await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a1" });
    const never = await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    await coins.redeem({ userId: "u1", coins: "150", requestId: "x1" });
    world.clock.advance({ days: 1 });
    const reversal = await coins.reverse({ requestId: "r1", of: "x1" });
    expect(reversal).toMatchObject({ kind: "redemption", of: "x1" });
    expectDec(reversal.restored, "150");
    expectDec(reversal.expired, "0");
    expectDec(reversal.balance.available, "200");
    expect(reversal.balance.nextExpiry?.at).toBe(week.expiresAt);
    expectDec(reversal.balance.nextExpiry?.coins, "100");
    const lots = await world.lots("u1");
    expect(lots.map((lot) => [lot.id, Number(lot.remaining), lot.expiresAt]).sort()).toEqual(
      [
        [week.lotId, 100, Date.parse(week.expiresAt as string)],
        [never.lotId, 100, null],
      ].sort(),
    );
    const [latest] = await allHistory(coins, "u1");
    expect(latest).toMatchObject({ type: "restore", requestId: "r1" });
    expectDec(latest?.coins, "150");
  });

  it("reverse - should restore part of a redemption, then the rest, then fail with REVERSAL_EXCEEDS_ORIGINAL", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "60", requestId: "x1" });
    const part = await coins.reverse({ requestId: "r1", of: "x1", coins: "25" });
    expectDec(part.restored, "25");
    expect(moves(part.lots)).toEqual([[a.lotId, 25]]);
    expectDec(part.balance.available, "65");
    const rest = await coins.reverse({ requestId: "r2", of: "x1" });
    expectDec(rest.restored, "35");
    expectDec(rest.balance.available, "100");
    await expectCode(
      coins.reverse({ requestId: "r3", of: "x1", coins: "1" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
  });

  it("reverse - should expire restored coins at once when their lot has expired meanwhile", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
    await coins.events.create(fixed("NEVER", "100"));
    const week = await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a1" });
    const never = await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    await coins.redeem({ userId: "u1", coins: "150", requestId: "x1" });
    clock.advance({ days: 8 });
    const reversal = await coins.reverse({ requestId: "r1", of: "x1" });
    expectDec(reversal.restored, "150");
    expectDec(reversal.expired, "100");
    expectDec(reversal.balance.available, "100");
    const lots = await world.lots("u1", [week.lotId as number]);
    const byId = new Map(lots.map((lot) => [lot.id, lot]));
    expectDec(byId.get(never.lotId as number)?.remaining, "100");
    expectDec(byId.get(week.lotId as number)?.remaining, "0");
    const history = await allHistory(coins, "u1");
    const expired = history.filter((entry) => entry.type === "expire");
    expect(expired.reduce((sum, entry) => sum + Number(entry.coins), 0)).toBe(-100);
    expect(history.some((entry) => entry.type === "restore")).toBe(true);
    expectDec(history[0]?.balanceAfter, "100");
    expectDec((await coins.expire()).coins, "0");
  });

  it("reverse - should fail with REQUEST_NOT_FOUND for an unknown request", async () => {
    const world = newWorld(storeOf(ref));
    const error = await expectCode(
      world.coins.reverse({ requestId: "r1", of: "nope" }),
      "REQUEST_NOT_FOUND",
    );
    expect(error.details).toMatchObject({ requestId: "nope" });
  });

  it("reverse - should fail with NOT_REVERSIBLE for a reversal, and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.reverse({ requestId: "r1", of: "a1", coins: "10" });
    const before = await world.state("u1");
    await expectCode(coins.reverse({ requestId: "r2", of: "r1" }), "NOT_REVERSIBLE");
    expect(await world.state("u1")).toEqual(before);
  });

  it("reverse - should reject invalid input with INVALID_INPUT and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    const before = await world.state("u1");
    await expectCode(coins.reverse({ requestId: "r1", of: "a1", coins: "0" }), "INVALID_INPUT");
    await expectCode(coins.reverse({ requestId: "r1", of: "a1", coins: "-1" }), "INVALID_INPUT");
    await expectCode(coins.reverse({ requestId: "r1", of: "a1", coins: "0.5" }), "INVALID_INPUT");
    await expectCode(coins.reverse({ requestId: "", of: "a1" }), "INVALID_INPUT");
    await expectCode(coins.reverse({ requestId: "r1", of: "" }), "INVALID_INPUT");
    expect(await world.state("u1")).toEqual(before);
  });

  it("reverse - should restore into the original lots even after a sweep has run", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
    const month = await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
    clock.advance({ days: 1 });
    await coins.expire();
    const reversal = await coins.reverse({ requestId: "r1", of: "x1" });
    expect(moves(reversal.lots)).toEqual([[month.lotId, 100]]);
    expectDec(reversal.balance.available, "100");
    clock.advance({ days: 29 });
    expectDec(
      (await coins.balance("u1")).available,
      "0",
      "the restored coins keep the lot's expiry",
    );
  });
}
