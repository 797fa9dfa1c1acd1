import { createCoinage } from "@coinage/core";
import { expect, it } from "vitest";
import {
  canon,
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

export function allocateSuite(ref: StoreRef): void {
  it("allocate - should use the stored event when another engine changed the one this engine remembers", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock, store, programId } = world;
    // A second service over the same store and program, which edits events.
    const admin = createCoinage({ store, program: coins.program, clock });
    await admin.events.create(fixed("VISIT", "100"));
    expectDec(
      (await coins.allocate({ userId: "u1", event: "VISIT", requestId: "a1" })).coins,
      "100",
    );

    await admin.events.update("VISIT", { reward: { kind: "fixed", coins: "250" } });
    expectDec(
      (await coins.allocate({ userId: "u1", event: "VISIT", requestId: "a2" })).coins,
      "250",
    );

    await admin.events.update("VISIT", { status: "paused" });
    await expectCode(
      coins.allocate({ userId: "u1", event: "VISIT", requestId: "a3" }),
      "EVENT_INACTIVE",
    );
    await admin.events.update("VISIT", { status: "active" });
    expectDec(
      (await coins.allocate({ userId: "u1", event: "VISIT", requestId: "a4" })).coins,
      "250",
    );
    expectDec((await coins.balance("u1")).available, "600");

    // The store reports the event's stored version beside the account, and null for none.
    const asked = { at: clock.ms, usageKeys: [], requestIds: [], lotIds: [] };
    const snapshot = await store.loadAccount(programId, "u1", { ...asked, eventId: "VISIT" });
    expect(snapshot.eventVersion).toBe((await admin.events.get("VISIT")).version);
    const none = await store.loadAccount(programId, "u1", { ...asked, eventId: "NO_SUCH" });
    expect(none.eventVersion).toBeNull();
  });

  it("allocate - should book a fixed reward into a new lot with its expiry and activation", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(
      fixed("SIGNUP", "100", { expiry: { days: 30 }, activation: { days: 1 } }),
    );
    const result = await coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "a1" });
    expect(result).toMatchObject({ requestId: "a1", userId: "u1", event: "SIGNUP" });
    expectDec(result.coins, "100");
    expectDec(result.debtPaid, "0");
    expect(result.lotId).not.toBeNull();
    expect(Date.parse(result.earnedAt)).toBe(clock.ms);
    expect(Date.parse(result.availableAt as string)).toBe(clock.ms + DAY);
    expect(Date.parse(result.expiresAt as string)).toBe(clock.ms + 30 * DAY);
    expect(result.breakdown.rule).toBe("fixed");
    expectDec(result.balance.pending, "100");
    expectDec(result.balance.available, "0");

    const lots = await world.lots("u1", [result.lotId as number]);
    expect(lots).toHaveLength(1);
    expect(lots[0]).toMatchObject({
      id: result.lotId,
      earnedAt: clock.ms,
      availableAt: clock.ms + DAY,
      expiresAt: clock.ms + 30 * DAY,
      eventId: "SIGNUP",
      requestId: "a1",
    });
    expectDec(lots[0]?.coins, "100");
    expectDec(lots[0]?.remaining, "100");
  });

  it("allocate - should pay a percentage of the amount converted at the coin value, rounded down once", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create({
      id: "CASHBACK",
      name: "Cashback",
      reward: { kind: "percentage", percent: "10" },
    });
    const big = await coins.allocate({
      userId: "u1",
      event: "CASHBACK",
      requestId: "a1",
      amount: "12000.00",
    });
    expectDec(big.coins, "4800", "10% of 12000 is 1200 in currency, 4800 coins at 0.25");
    const small = await coins.allocate({
      userId: "u1",
      event: "CASHBACK",
      requestId: "a2",
      amount: "10.10",
    });
    expectDec(small.coins, "4", "1.01 in currency is 4.04 coins, rounded down");
    expectDec(small.breakdown.base, "4.04");
    expectDec(small.breakdown.rounding.exact, "4.04");
    expectDec(small.breakdown.rounding.rounded, "4");
    expectDec(small.balance.available, "4804");
    expectDec(small.balance.value, "1201");
  });

  it("allocate - should fail with INVALID_INPUT when a percentage event gets no amount, and book nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create({
      id: "CASHBACK",
      name: "Cashback",
      reward: { kind: "percentage", percent: "10" },
    });
    const before = await world.state("u1");
    await expectCode(
      coins.allocate({ userId: "u1", event: "CASHBACK", requestId: "a1" }),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.allocate({ userId: "u1", event: "CASHBACK", requestId: "a1", amount: "-5" }),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.allocate({ userId: "u1", event: "CASHBACK", requestId: "a1", amount: "ten" }),
      "INVALID_INPUT",
    );
    expect(await world.state("u1")).toEqual(before);
  });

  it("allocate - should pay tiered rewards flat at the amount's tier and progressive by slices", async () => {
    const { coins } = newWorld(storeOf(ref));
    const tiers = [
      { from: "0", percent: "5" },
      { from: "5000", percent: "7.5" },
      { from: "10000", percent: "10" },
    ];
    await coins.events.create({
      id: "FLAT",
      name: "Flat",
      reward: { kind: "tiered", mode: "flat", tiers },
    });
    await coins.events.create({
      id: "PROG",
      name: "Progressive",
      reward: { kind: "tiered", mode: "progressive", tiers },
    });
    const flatHigh = await coins.allocate({
      userId: "u1",
      event: "FLAT",
      requestId: "f1",
      amount: "12000",
    });
    expectDec(flatHigh.coins, "4800", "12000 at 10% is 1200, 4800 coins");
    const flatMid = await coins.allocate({
      userId: "u1",
      event: "FLAT",
      requestId: "f2",
      amount: "7000",
    });
    expectDec(flatMid.coins, "2100", "7000 at 7.5% is 525, 2100 coins");
    const flatEdge = await coins.allocate({
      userId: "u1",
      event: "FLAT",
      requestId: "f3",
      amount: "5000",
    });
    expectDec(
      flatEdge.coins,
      "1500",
      "a tier's from is inclusive: 5000 at 7.5% is 375, 1500 coins",
    );
    const prog = await coins.allocate({
      userId: "u1",
      event: "PROG",
      requestId: "p1",
      amount: "12000",
    });
    expectDec(prog.coins, "3300", "250 + 375 + 200 = 825 in currency, 3300 coins");
    expect(prog.breakdown.tiers?.length).toBe(3);
  });

  it("allocate - should double the coins while a promotion is active, and not at its until instant", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    const from = clock.ms;
    const until = clock.ms + DAY;
    await coins.events.create(
      fixed("SALE", "100", {
        promotions: [{ id: "DOUBLE", multiplier: "2", from: iso(from), until: iso(until) }],
      }),
    );
    const inside = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    expectDec(inside.coins, "200");
    expectDec(inside.breakdown.multiplier, "2");
    expect(inside.breakdown.promotions.map((p) => p.id)).toEqual(["DOUBLE"]);
    clock.set(until - 1);
    expectDec(
      (await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" })).coins,
      "200",
    );
    clock.set(until);
    const after = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a3" });
    expectDec(after.coins, "100");
    expectDec(after.breakdown.multiplier, "1");
    expectDec(after.balance.available, "500");
  });

  it("allocate - should clip to the per-allocation cap and say so in the breakdown", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("SALE", "100", { caps: { perAllocation: "60" } }));
    const result = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    expectDec(result.coins, "60");
    expect(result.breakdown.caps).toHaveLength(1);
    expect(result.breakdown.caps[0]).toMatchObject({ cap: "perAllocation" });
    expectDec(result.breakdown.caps[0]?.limit, "60");
    expectDec(result.breakdown.caps[0]?.before, "100");
    expectDec(result.breakdown.caps[0]?.after, "60");
  });

  it("allocate - should clip to the per-user cap within a period and start again in the next one", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(
      fixed("DAILY", "100", { caps: { perUser: [{ coins: "150", period: "day" }] } }),
    );
    const one = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a1" });
    const two = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a2" });
    const three = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a3" });
    expectDec(one.coins, "100");
    expectDec(two.coins, "50");
    expectDec(three.coins, "0");
    expect(two.breakdown.caps[0]).toMatchObject({ cap: "perUser", period: "day" });
    expect(three.lotId).toBeNull();
    const other = await coins.allocate({ userId: "u2", event: "DAILY", requestId: "b1" });
    expectDec(other.coins, "100", "the cap is per user");
    clock.set(Date.parse("2026-03-16T00:00:00.000Z") - 1);
    expectDec((await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a4" })).coins, "0");
    clock.advance({ ms: 1 });
    expectDec(
      (await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a5" })).coins,
      "100",
    );
    expectDec((await coins.balance("u1")).available, "250");
  });

  it("allocate - should never hand out more than the event budget across users", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("LAUNCH", "100", { caps: { budget: "250" } }));
    const results = [];
    for (const user of ["u1", "u2", "u3", "u4"]) {
      results.push(await coins.allocate({ userId: user, event: "LAUNCH", requestId: `a-${user}` }));
    }
    expect(results.map((r) => Number(r.coins))).toEqual([100, 100, 50, 0]);
    expect(results[2]?.breakdown.caps[0]).toMatchObject({ cap: "budget" });
    expectDec((await coins.balance("u4")).available, "0");
  });

  it("allocate - should earn 0 coins below minAmount and book no lot", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create({
      id: "CASHBACK",
      name: "Cashback",
      reward: { kind: "percentage", percent: "10" },
      minAmount: "100",
    });
    const below = await coins.allocate({
      userId: "u1",
      event: "CASHBACK",
      requestId: "a1",
      amount: "99.99",
    });
    expectDec(below.coins, "0");
    expect(below.ineligible).toBe("below_min_amount");
    expect(below.lotId).toBeNull();
    expect(await world.openLots("u1")).toEqual([]);
    expectDec((await coins.balance("u1")).available, "0");
    const at = await coins.allocate({
      userId: "u1",
      event: "CASHBACK",
      requestId: "a2",
      amount: "100",
    });
    expectDec(at.coins, "40", "minAmount is inclusive");
  });

  it("allocate - should fail with EVENT_INACTIVE for a paused event or outside its window, and book nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("PAUSED", "100", { status: "paused" }));
    await coins.events.create(fixed("LATER", "100", { window: { from: iso(clock.ms + HOUR) } }));
    await coins.events.create(fixed("OVER", "100", { window: { until: iso(clock.ms) } }));
    const paused = await expectCode(
      coins.allocate({ userId: "u1", event: "PAUSED", requestId: "a1" }),
      "EVENT_INACTIVE",
    );
    expect(paused.details).toMatchObject({ eventId: "PAUSED", reason: "paused" });
    const early = await expectCode(
      coins.allocate({ userId: "u1", event: "LATER", requestId: "a2" }),
      "EVENT_INACTIVE",
    );
    expect(early.details).toMatchObject({ reason: "before_window" });
    const late = await expectCode(
      coins.allocate({ userId: "u1", event: "OVER", requestId: "a3" }),
      "EVENT_INACTIVE",
    );
    expect(late.details).toMatchObject({ reason: "after_window" });
    expect(await world.openLots("u1")).toEqual([]);
    expect((await coins.history("u1")).items).toEqual([]);

    clock.advance({ hours: 1 });
    expectDec(
      (await coins.allocate({ userId: "u1", event: "LATER", requestId: "a2" })).coins,
      "100",
    );
    await coins.events.update("PAUSED", { status: "active" });
    expectDec(
      (await coins.allocate({ userId: "u1", event: "PAUSED", requestId: "a1" })).coins,
      "100",
    );
  });

  it("allocate - should fail with EVENT_NOT_FOUND for an unknown event", async () => {
    const world = newWorld(storeOf(ref));
    const error = await expectCode(
      world.coins.allocate({ userId: "u1", event: "NOPE", requestId: "a1" }),
      "EVENT_NOT_FOUND",
    );
    expect(error.details).toMatchObject({ eventId: "NOPE" });
    expect((await world.coins.history("u1")).items).toEqual([]);
  });

  it("allocate - should reject invalid input with INVALID_INPUT and book nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("SIGNUP", "100"));
    const before = await world.state("u1");
    await expectCode(
      coins.allocate({ userId: "", event: "SIGNUP", requestId: "a1" }),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "" }),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.allocate({ userId: "u1", event: "SIGNUP", requestId: "a1", amount: Number.NaN }),
      "INVALID_INPUT",
    );
    expect(await world.state("u1")).toEqual(before);
  });

  it("allocate - should reset per-user caps at week and month boundaries in the program's time zone", async () => {
    // Asia/Kolkata is UTC+05:30: local midnight is 18:30Z the day before.
    const { coins, clock } = newWorld(storeOf(ref), {
      timeZone: "Asia/Kolkata",
      start: "2026-03-22T18:00:00.000Z", // Sunday 23:30 local
    });
    await coins.events.create(
      fixed("WEEKLY", "100", { caps: { perUser: [{ coins: "100", period: "week" }] } }),
    );
    await coins.events.create(
      fixed("MONTHLY", "100", { caps: { perUser: [{ coins: "100", period: "month" }] } }),
    );
    expectDec(
      (await coins.allocate({ userId: "u1", event: "WEEKLY", requestId: "w1" })).coins,
      "100",
    );
    clock.set("2026-03-22T18:29:59.999Z");
    expectDec(
      (await coins.allocate({ userId: "u1", event: "WEEKLY", requestId: "w2" })).coins,
      "0",
    );
    clock.set("2026-03-22T18:30:00.000Z"); // Monday 00:00 local: a new ISO week
    expectDec(
      (await coins.allocate({ userId: "u1", event: "WEEKLY", requestId: "w3" })).coins,
      "100",
    );

    clock.set("2026-03-31T18:00:00.000Z"); // 31 March 23:30 local
    expectDec(
      (await coins.allocate({ userId: "u1", event: "MONTHLY", requestId: "m1" })).coins,
      "100",
    );
    expectDec(
      (await coins.allocate({ userId: "u1", event: "MONTHLY", requestId: "m2" })).coins,
      "0",
    );
    clock.set("2026-03-31T18:30:00.000Z"); // 1 April 00:00 local
    expectDec(
      (await coins.allocate({ userId: "u1", event: "MONTHLY", requestId: "m3" })).coins,
      "100",
    );
  });

  it("allocate - should compute calendar expiry in the program's time zone", async () => {
    const { coins } = newWorld(storeOf(ref), {
      timeZone: "Asia/Kolkata",
      start: "2026-03-31T19:00:00.000Z",
    });
    await coins.events.create(fixed("MONTHEND", "100", { expiry: { endOf: "month" } }));
    await coins.events.create(fixed("NEXTMONTH", "100", { expiry: { endOf: "month", plus: 1 } }));
    // 2026-03-31T19:00Z is already 1 April 00:30 in Kolkata.
    const a = await coins.allocate({ userId: "u1", event: "MONTHEND", requestId: "a1" });
    expect(a.expiresAt).toBe("2026-04-30T18:30:00.000Z");
    const b = await coins.allocate({ userId: "u1", event: "NEXTMONTH", requestId: "a2" });
    expect(b.expiresAt).toBe("2026-05-31T18:30:00.000Z");
  });

  it("allocate - should fail with EVENT_INACTIVE once an event is archived", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("OLD", "100"));
    await coins.allocate({ userId: "u1", event: "OLD", requestId: "a1" });
    await coins.events.update("OLD", { status: "archived" }, { expectedVersion: 1 });
    const error = await expectCode(
      coins.allocate({ userId: "u1", event: "OLD", requestId: "a2" }),
      "EVENT_INACTIVE",
    );
    expect(error.details).toMatchObject({ reason: "archived" });
    expectDec((await coins.balance("u1")).available, "100");
  });

  it("preview - should use the user's real cap usage and write nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(
      fixed("DAILY", "100", {
        caps: { perUser: [{ coins: "150", period: "day" }], budget: "1000" },
      }),
    );
    await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a1" });
    const before = await world.state("u1");
    const preview = await coins.preview({ userId: "u1", event: "DAILY" });
    expectDec(preview.coins, "50");
    expect(await world.state("u1")).toEqual(before);
    expectDec((await coins.preview({ userId: "u2", event: "DAILY" })).coins, "100");
    expect((await coins.history("u2")).items).toEqual([]);
  });

  it("adjust - should credit a new lot and debit earliest expiry first, with adjust entries", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
    const earned = await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
    const credit = await coins.adjust({
      userId: "u1",
      coins: "50",
      requestId: "j1",
      reason: "goodwill",
      expiresAt: iso(clock.ms + 5 * DAY),
    });
    expectDec(credit.balance.available, "150");
    const creditLot = credit.lots[0]?.lotId;
    const debit = await coins.adjust({
      userId: "u1",
      coins: "-70",
      requestId: "j2",
      reason: "correction",
    });
    expect(debit.lots.map((m) => [m.lotId, Number(m.coins)])).toEqual([
      [creditLot, 50],
      [earned.lotId, 20],
    ]);
    expectDec(debit.balance.available, "80");
    const history = await coins.history("u1");
    expect(history.items.map((e) => [e.type, Number(e.coins)])).toEqual([
      ["adjust", -70],
      ["adjust", 50],
      ["earn", 100],
    ]);
    const before = await world.state("u1");
    await expectCode(
      coins.adjust({ userId: "u1", coins: "-81", requestId: "j4", reason: "too much" }),
      "INSUFFICIENT_COINS",
    );
    await expectCode(
      coins.adjust({ userId: "u1", coins: "0", requestId: "j5", reason: "zero" }),
      "INVALID_INPUT",
    );
    expect(await world.state("u1")).toEqual(before);
  });

  it("adjust - should reject a missing or blank reason with INVALID_INPUT and change nothing", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    const before = await world.state("u1");
    const noReason = { userId: "u1", coins: "10", requestId: "j1" } as unknown as Parameters<
      typeof coins.adjust
    >[0];
    await expectCode(coins.adjust(noReason), "INVALID_INPUT");
    await expectCode(
      coins.adjust({ userId: "u1", coins: "10", requestId: "j2", reason: "" }),
      "INVALID_INPUT",
    );
    expect(await world.state("u1")).toEqual(before);
  });

  it("allocate - should keep fractional coins exact at a coin scale of 2", async () => {
    const world = newWorld(storeOf(ref), { coinScale: 2 });
    const { coins } = world;
    await coins.events.create({
      id: "CASHBACK",
      name: "Cashback",
      reward: { kind: "percentage", percent: "10" },
    });
    const earned = await coins.allocate({
      userId: "u1",
      event: "CASHBACK",
      requestId: "a1",
      amount: "10.13",
    });
    expectDec(earned.coins, "4.05", "1.013 in currency is 4.052 coins, rounded down to 4.05");
    const spent = await coins.redeem({ userId: "u1", coins: "1.5", requestId: "x1" });
    expectDec(spent.value, "0.375");
    expectDec(spent.balance.available, "2.55");
    const part = await coins.reverse({ requestId: "r1", of: "a1", coins: "0.05" });
    expectDec(part.balance.available, "2.5");
    await expectCode(
      coins.redeem({ userId: "u1", coins: "0.001", requestId: "x2" }),
      "INVALID_INPUT",
    );
    const lots = await world.lots("u1", [earned.lotId as number]);
    expectDec(lots[0]?.remaining, "2.5");
    const history = await coins.history("u1");
    expect(history.items.map((e) => canon(e.coins))).toEqual(["-0.05", "-1.5", "4.05"]);
    expectDec(history.items[0]?.balanceAfter, "2.5");
  });

  it("allocate - should keep totals beyond 2^53 exact", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    const big = "999999999999999"; // just under the largest reward; ten of them pass 2^53
    await coins.events.create(fixed("JACKPOT", big));
    const lotIds: number[] = [];
    for (let i = 0; i < 10; i++) {
      const earned = await coins.allocate({ userId: "u1", event: "JACKPOT", requestId: `a${i}` });
      lotIds.push(earned.lotId as number);
    }
    const spent = await coins.redeem({ userId: "u1", coins: "1", requestId: "x1" });
    expectDec(spent.balance.available, "9999999999999989");
    expectDec(spent.balance.value, "2499999999999997.25");
    const [latest] = (await coins.history("u1")).items;
    expectDec(latest?.balanceAfter, "9999999999999989");
    const reversal = await coins.reverse({ requestId: "r1", of: "x1" });
    expectDec(reversal.balance.available, "9999999999999990");
    const lots = await world.lots("u1", lotIds);
    expect(lots.map((lot) => canon(lot.remaining))).toEqual(Array.from({ length: 10 }, () => big));
  });

  it("a per-user cap added mid-period counts what was already earned in its period", async () => {
    const { coins } = newWorld(storeOf(ref));
    for (const period of ["day", "week", "month", "year", "lifetime"] as const) {
      const id = `E_${period.toUpperCase()}`;
      await coins.events.create(fixed(id, "100"));
      await coins.allocate({ userId: "u1", event: id, requestId: `${id}-1` });
      await coins.events.update(
        id,
        { caps: { perUser: [{ coins: "150", period }] } },
        { expectedVersion: 1 },
      );
      const capped = await coins.allocate({ userId: "u1", event: id, requestId: `${id}-2` });
      expectDec(capped.coins, "50", `a ${period} cap added after 100 were earned`);
      expect(capped.breakdown.caps).toEqual([
        { cap: "perUser", period, limit: "150", used: "100", before: "100", after: "50" },
      ]);
      const other = await coins.allocate({ userId: "u2", event: id, requestId: `${id}-3` });
      expectDec(other.coins, "100", "usage is per user");
    }
  });

  it("a per-user cap added later counts only what was earned in the current period", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create(fixed("DAILY", "100"));
    await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a1" });
    clock.advance({ days: 1 });
    await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a2" });
    await coins.events.update(
      "DAILY",
      { caps: { perUser: [{ coins: "150", period: "day" }] } },
      { expectedVersion: 1 },
    );
    const capped = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a3" });
    expectDec(capped.coins, "50", "yesterday's 100 do not count toward today's cap");
  });

  it("an event budget set later counts only what is handed out from then on", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("LAUNCH", "100"));
    await coins.allocate({ userId: "u1", event: "LAUNCH", requestId: "a1" });
    await coins.allocate({ userId: "u2", event: "LAUNCH", requestId: "a2" });
    await coins.events.update("LAUNCH", { caps: { budget: "150" } }, { expectedVersion: 1 });
    expectDec(await world.store.getBudgetUsed(world.programId, "LAUNCH"), "0");
    const third = await coins.allocate({ userId: "u3", event: "LAUNCH", requestId: "a3" });
    expectDec(third.coins, "100");
    const fourth = await coins.allocate({ userId: "u4", event: "LAUNCH", requestId: "a4" });
    expectDec(fourth.coins, "50");
    expectDec(await world.store.getBudgetUsed(world.programId, "LAUNCH"), "150");
  });
}
