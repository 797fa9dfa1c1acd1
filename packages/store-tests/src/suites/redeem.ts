import { expect, it } from "vitest";
import {
  DAY,
  expectCode,
  expectDec,
  fixed,
  HOUR,
  iso,
  newWorld,
  type StoreRef,
  storeOf,
} from "../harness.js";

export function redeemSuite(ref: StoreRef): void {
  it("redeem - should consume lots earliest expiry first, ties by earned time then lot id, never-expiring last", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    const fixedDate = iso(clock.ms + 60 * DAY);
    await coins.events.create(fixed("NEVER", "100"));
    await coins.events.create(fixed("DATED", "100", { expiry: { at: fixedDate } }));
    await coins.events.create(fixed("SOON", "100", { expiry: { days: 10 } }));

    const never = await coins.allocate({ userId: "u1", event: "NEVER", requestId: "n1" });
    const datedEarly = await coins.allocate({ userId: "u1", event: "DATED", requestId: "d1" });
    clock.advance({ hours: 1 });
    const datedLateA = await coins.allocate({ userId: "u1", event: "DATED", requestId: "d2" });
    const datedLateB = await coins.allocate({ userId: "u1", event: "DATED", requestId: "d3" });
    clock.advance({ hours: 1 });
    const soon = await coins.allocate({ userId: "u1", event: "SOON", requestId: "s1" });
    expect(
      new Set([never, datedEarly, datedLateA, datedLateB, soon].map((r) => r.lotId)).size,
    ).toBe(5);

    const first = await coins.redeem({ userId: "u1", coins: "150", requestId: "r1" });
    expect(first.lots.map((m) => [m.lotId, Number(m.coins)])).toEqual([
      [soon.lotId, 100],
      [datedEarly.lotId, 50],
    ]);
    expectDec(first.coins, "150");
    expectDec(first.value, "37.5");
    expectDec(first.balance.available, "350");

    const second = await coins.redeem({ userId: "u1", coins: "300", requestId: "r2" });
    expect(second.lots.map((m) => [m.lotId, Number(m.coins)])).toEqual([
      [datedEarly.lotId, 50],
      [datedLateA.lotId, 100],
      [datedLateB.lotId, 100],
      [never.lotId, 50],
    ]);
    expectDec(second.balance.available, "50");

    const ids = [never, datedEarly, datedLateA, datedLateB, soon].map((r) => r.lotId as number);
    const lots = await world.lots("u1", ids);
    const byId = new Map(lots.map((lot) => [lot.id, lot]));
    expectDec(byId.get(never.lotId as number)?.remaining, "50");
    expectDec(byId.get(soon.lotId as number)?.remaining, "0");
    expectDec(byId.get(datedEarly.lotId as number)?.remaining, "0");
    expectDec(byId.get(datedLateA.lotId as number)?.remaining, "0");
    expectDec(byId.get(datedLateB.lotId as number)?.remaining, "0");
  });

  it("redeem - should fail with INSUFFICIENT_COINS and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SIGNUP", "100"));
    await coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "a1" });
    const before = await world.state("u1");
    const error = await expectCode(
      coins.redeem({ userId: "u1", coins: "101", requestId: "r1" }),
      "INSUFFICIENT_COINS",
    );
    expect(error.details).toMatchObject({ userId: "u1" });
    expectDec(error.details.available as string, "100");
    expectDec(error.details.requested as string, "101");
    expect(await world.state("u1")).toEqual(before);
    await expectCode(
      coins.redeem({ userId: "nobody", coins: "1", requestId: "r2" }),
      "INSUFFICIENT_COINS",
    );
  });

  it("redeem - should retry a failed requestId once coins are there (a failure leaves no record)", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SIGNUP", "100"));
    await expectCode(
      coins.redeem({ userId: "u1", coins: "60", requestId: "r1" }),
      "INSUFFICIENT_COINS",
    );
    await coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "a1" });
    const result = await coins.redeem({ userId: "u1", coins: "60", requestId: "r1" });
    expectDec(result.balance.available, "40");
  });

  it("redeem - should reject invalid input with INVALID_INPUT and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SIGNUP", "100"));
    await coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "a1" });
    const before = await world.state("u1");
    const bad: (string | number)[] = [
      "0",
      "-5",
      "1.5",
      "abc",
      "",
      "1e3",
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (const amount of bad) {
      await expectCode(
        coins.redeem({ userId: "u1", coins: amount, requestId: `bad-${String(amount)}` }),
        "INVALID_INPUT",
      );
    }
    await expectCode(coins.redeem({ userId: "", coins: "1", requestId: "r1" }), "INVALID_INPUT");
    await expectCode(coins.redeem({ userId: "u1", coins: "1", requestId: "" }), "INVALID_INPUT");
    expect(await world.state("u1")).toEqual(before);
    const ok = await coins.redeem({ userId: "u1", coins: 40, requestId: "r1" });
    expectDec(ok.balance.available, "60", "an exact number is accepted");
  });

  it("redeem - should not spend pending coins, which count in pending until availableAt", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("DELAYED", "100", { activation: { days: 1 } }));
    const allocated = await coins.allocate({ userId: "u1", event: "DELAYED", requestId: "a1" });
    const availableAt = Date.parse(allocated.availableAt as string);
    expect(availableAt).toBe(clock.ms + DAY);

    let balance = await coins.balance("u1");
    expectDec(balance.available, "0");
    expectDec(balance.pending, "100");
    expectDec(balance.value, "0");
    const error = await expectCode(
      coins.redeem({ userId: "u1", coins: "1", requestId: "r1" }),
      "INSUFFICIENT_COINS",
    );
    expectDec(error.details.available as string, "0");

    clock.set(availableAt - 1);
    expectDec((await coins.balance("u1")).pending, "100");
    await expectCode(
      coins.redeem({ userId: "u1", coins: "1", requestId: "r2" }),
      "INSUFFICIENT_COINS",
    );

    clock.set(availableAt);
    balance = await coins.balance("u1");
    expectDec(balance.available, "100");
    expectDec(balance.pending, "0");
    const spent = await coins.redeem({ userId: "u1", coins: "100", requestId: "r3" });
    expect(spent.lots).toEqual([{ lotId: allocated.lotId, coins: expect.any(String) }]);
  });

  it("balance - should report available, pending, debt, value and the next expiry", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    const empty = await coins.balance("u1");
    expect(empty).toMatchObject({ userId: "u1", nextExpiry: null });
    expectDec(empty.available, "0");
    expectDec(empty.pending, "0");
    expectDec(empty.debt, "0");
    expectDec(empty.value, "0");
    expect(Date.parse(empty.asOf)).toBe(clock.ms);

    await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
    await coins.events.create(fixed("WEEK", "40", { expiry: { days: 7 } }));
    await coins.events.create(
      fixed("DELAYED", "30", { expiry: { days: 5 }, activation: { days: 1 } }),
    );
    await coins.events.create(fixed("NEVER", "10"));
    await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a2" });
    await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a3" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a4" });
    const start = clock.ms;

    let balance = await coins.balance("u1");
    expectDec(balance.available, "190");
    expectDec(balance.pending, "0");
    expectDec(balance.value, "47.5");
    expect(balance.nextExpiry?.at).toBeDefined();
    expect(Date.parse(balance.nextExpiry?.at as string)).toBe(start + 7 * DAY);
    expectDec(balance.nextExpiry?.coins, "80", "two lots expire at the same instant");

    await coins.allocate({ userId: "u1", event: "DELAYED", requestId: "a5" });
    balance = await coins.balance("u1");
    expectDec(balance.available, "190");
    expectDec(balance.pending, "30");
    expect(Date.parse(balance.nextExpiry?.at as string)).toBe(start + 5 * DAY);
    expectDec(
      balance.nextExpiry?.coins,
      "30",
      "pending coins count, so their expiry is the next one",
    );

    clock.advance({ days: 5 });
    balance = await coins.balance("u1");
    expectDec(balance.available, "190");
    expectDec(balance.pending, "0");
    expect(Date.parse(balance.nextExpiry?.at as string)).toBe(start + 7 * DAY);

    clock.advance({ days: 30 });
    balance = await coins.balance("u1");
    expectDec(balance.available, "10");
    expect(balance.nextExpiry).toBeNull();

    const past = await coins.balance("u1", { at: new Date(start + HOUR) });
    expectDec(past.available, "190");
    expectDec(past.pending, "30");
  });
}
