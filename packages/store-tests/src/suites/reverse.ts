import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
  type World,
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
    const lots = await world.lots("u1", [a.lotId, small.lotId, big.lotId] as number[]);
    expect(lots.map((lot) => [lot.id, Number(lot.remaining)])).toEqual([
      [a.lotId, 0],
      [small.lotId, 0],
      [big.lotId, 70],
    ]);
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
    const lots = await world.lots("u1", [week.lotId, never.lotId] as number[]);
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
    const lots = await world.lots("u1", [week.lotId as number, never.lotId as number]);
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

  refundRules(ref);
}

const POLICIES = ["debt", "cap"] as const;

/** The decided rules for refunds: what a reversal may take, what a restore repays, what caps get back. */
function refundRules(ref: StoreRef): void {
  /** Allocation a1 of 100 (lot `lotId`), fully spent by redemption x1, then a1 reversed whole. */
  async function spentThenReversed(world: World) {
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
    const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
    return { lotId: a.lotId as number, reversal };
  }

  for (const policy of POLICIES) {
    it(`a reversal records what it could not take back as the lot's shortfall (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { lotId, reversal } = await spentThenReversed(world);
      expectDec(reversal.taken, "0");
      expectDec(reversal.debt, policy === "debt" ? "100" : "0");
      expectDec(reversal.forgiven, policy === "cap" ? "100" : "0");
      const [lot] = await world.lots("u1", [lotId]);
      expect(lot?.id).toBe(lotId);
      expectDec(lot?.shortfall, "100");
      expectDec(lot?.expired, "0");
    });
  }

  it("a restore into a reversed allocation's lot repays its debt first", async () => {
    const world = newWorld(storeOf(ref), { clawback: "debt" });
    const { coins } = world;
    const { lotId } = await spentThenReversed(world);
    expectDec((await coins.balance("u1")).debt, "100");
    const restore = await coins.reverse({ requestId: "r2", of: "x1" });
    expectDec(restore.restored, "100");
    expectDec(restore.expired, "0");
    expectDec(
      restore.balance.available,
      "0",
      "the restored coins repaid the debt, none is spendable",
    );
    expectDec(restore.balance.debt, "0");
    const [latest, previous] = await allHistory(coins, "u1");
    expect(latest).toMatchObject({ type: "restore", requestId: "r2" });
    expectDec(latest?.coins, "100");
    expectDec(latest?.balanceAfter, "0");
    expectDec(latest?.debtAfter, "0");
    expect(previous).toMatchObject({ type: "reverse", requestId: "r1" });
    const [lot] = await world.lots("u1", [lotId]);
    expectDec(lot?.remaining, "0");
    expectDec(lot?.shortfall, "0");
    // Nothing is left over to earn twice: a new allocation is all spendable.
    const next = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a2" });
    expectDec(next.debtPaid, "0");
    expectDec(next.balance.available, "100");
  });

  it("a restore into a reversed allocation's lot cancels its forgiven shortfall", async () => {
    const world = newWorld(storeOf(ref), { clawback: "cap" });
    const { coins } = world;
    const { lotId } = await spentThenReversed(world);
    const restore = await coins.reverse({ requestId: "r2", of: "x1" });
    expectDec(restore.restored, "100");
    expectDec(restore.balance.available, "0", "the forgiven 100 are cancelled, not given twice");
    expectDec(restore.balance.debt, "0");
    const [cancel, restored] = await allHistory(coins, "u1");
    expect(restored).toMatchObject({ type: "restore", requestId: "r2" });
    expectDec(restored?.coins, "100");
    expectDec(restored?.balanceAfter, "100");
    expect(cancel).toMatchObject({ type: "reverse", requestId: "r2", event: "SALE" });
    expectDec(cancel?.coins, "-100");
    expectDec(cancel?.balanceAfter, "0");
    expect(cancel?.reason).toContain("a1");
    expect(moves(cancel?.lots ?? [])).toEqual([[lotId, 100]]);
    const [lot] = await world.lots("u1", [lotId]);
    expectDec(lot?.remaining, "0");
    expectDec(lot?.shortfall, "0");
  });

  for (const policy of POLICIES) {
    it(`a restore repays only the shortfall; the rest is spendable again (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { coins } = world;
      await coins.events.create(fixed("SALE", "100"));
      const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
      await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
      await coins.reverse({ requestId: "r1", of: "a1", coins: "40" });
      const restore = await coins.reverse({ requestId: "r2", of: "x1" });
      expectDec(restore.balance.available, "60");
      expectDec(restore.balance.debt, "0");
      const [lot] = await world.lots("u1", [a.lotId as number]);
      expectDec(lot?.remaining, "60");
      expectDec(lot?.shortfall, "0");
      await expectCode(
        coins.reverse({ requestId: "r3", of: "a1", coins: "61" }),
        "REVERSAL_EXCEEDS_ORIGINAL",
      );
      const rest = await coins.reverse({ requestId: "r4", of: "a1" });
      expectDec(rest.coins, "60");
      expectDec(rest.balance.available, "0");
      expectDec(rest.balance.debt, "0");
    });
  }

  it("restored coins pay the account's debt before they are spendable", async () => {
    const world = newWorld(storeOf(ref), { clawback: "debt" });
    const { coins } = world;
    await coins.events.create(fixed("SALE", "100"));
    await coins.events.create(fixed("SMALL", "50"));
    const a = await coins.allocate({ userId: "u1", event: "SALE", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
    await coins.allocate({ userId: "u1", event: "SMALL", requestId: "a2" });
    await coins.redeem({ userId: "u1", coins: "50", requestId: "x2" });
    const debt = await coins.reverse({ requestId: "r1", of: "a2" });
    expectDec(debt.balance.debt, "50");
    const restore = await coins.reverse({ requestId: "r2", of: "x1" });
    expectDec(restore.restored, "100");
    expectDec(restore.balance.debt, "0");
    expectDec(restore.balance.available, "50");
    const [latest] = await allHistory(coins, "u1");
    expect(latest).toMatchObject({ type: "restore", requestId: "r2" });
    expectDec(latest?.balanceAfter, "50");
    expectDec(latest?.debtAfter, "0");
    const [lot] = await world.lots("u1", [a.lotId as number]);
    expectDec(lot?.remaining, "50");
  });

  it("a positive adjustment pays the account's debt first", async () => {
    const world = newWorld(storeOf(ref), { clawback: "debt" });
    const { coins } = world;
    await spentThenReversed(world);
    const credit = await coins.adjust({
      userId: "u1",
      coins: "30",
      requestId: "j1",
      reason: "goodwill",
    });
    expectDec(credit.balance.available, "0");
    expectDec(credit.balance.debt, "70");
    const more = await coins.adjust({
      userId: "u1",
      coins: "100",
      requestId: "j2",
      reason: "goodwill",
    });
    expectDec(more.balance.available, "30");
    expectDec(more.balance.debt, "0");
    const [latest] = await allHistory(coins, "u1");
    expect(latest).toMatchObject({ type: "adjust", requestId: "j2" });
    expectDec(latest?.coins, "100");
    expectDec(latest?.balanceAfter, "30");
  });

  for (const policy of POLICIES) {
    it(`a reversal never takes back coins of its allocation that expired (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { coins, clock } = world;
      await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
      await coins.events.create(fixed("NEVER", "100"));
      const month = await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
      const never = await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
      await coins.redeem({ userId: "u1", coins: "40", requestId: "x1" });
      clock.advance({ days: 31 });
      const excess = await expectCode(
        coins.reverse({ requestId: "r0", of: "a1", coins: "41" }),
        "REVERSAL_EXCEEDS_ORIGINAL",
      );
      expectDec(excess.details.remaining as string, "40", "only the 40 spent are reversible");
      const reversal = await coins.reverse({ requestId: "r1", of: "a1" });
      expectDec(reversal.coins, "40");
      expectDec(reversal.taken, "40");
      expectDec(reversal.debt, "0");
      expectDec(reversal.forgiven, "0");
      expect(moves(reversal.lots)).toEqual([[never.lotId, 40]]);
      expectDec(reversal.balance.available, "60");
      const history = await allHistory(coins, "u1");
      const expired = history.filter((entry) => entry.type === "expire");
      expect(expired.map((entry) => Number(entry.coins))).toEqual([-60]);
      const [lot] = await world.lots("u1", [month.lotId as number]);
      expectDec(lot?.expired, "60");
      const error = await expectCode(
        coins.reverse({ requestId: "r2", of: "a1" }),
        "REVERSAL_EXCEEDS_ORIGINAL",
      );
      expectDec(error.details.remaining as string, "0");
    });
  }

  it("an allocation that expired unspent has nothing left to reverse", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("MONTH", "100", { expiry: { days: 30 } }));
    await coins.events.create(fixed("NEVER", "100"));
    await coins.allocate({ userId: "u1", event: "MONTH", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    clock.advance({ days: 31 });
    const before = await world.state("u1");
    const error = await expectCode(
      coins.reverse({ requestId: "r1", of: "a1" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expectDec(error.details.remaining as string, "0");
    expect(await world.state("u1")).toEqual(before);
    expectDec((await coins.balance("u1")).available, "100");
  });

  it("the sweep records the coins it expires on the lot", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
    const week = await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a1" });
    await coins.redeem({ userId: "u1", coins: "30", requestId: "x1" });
    clock.advance({ days: 8 });
    expectDec((await coins.expire()).coins, "70");
    const [lot] = await world.lots("u1", [week.lotId as number]);
    expectDec(lot?.remaining, "0");
    expectDec(lot?.expired, "70");
  });

  for (const policy of POLICIES) {
    it(`restored coins whose lot expired repay its shortfall first, then expire on the lot (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { coins, clock } = world;
      await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
      const week = await coins.allocate({ userId: "u1", event: "WEEK", requestId: "a1" });
      await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
      await coins.reverse({ requestId: "r1", of: "a1", coins: "30" });
      clock.advance({ days: 8 });
      const restore = await coins.reverse({ requestId: "r2", of: "x1" });
      expectDec(restore.restored, "100");
      expectDec(restore.expired, "70");
      expectDec(restore.balance.available, "0");
      expectDec(restore.balance.debt, "0");
      const [lot] = await world.lots("u1", [week.lotId as number]);
      expectDec(lot?.remaining, "0");
      expectDec(lot?.expired, "70");
      expectDec(lot?.shortfall, "0");
      const types = (await allHistory(coins, "u1")).slice(0, policy === "cap" ? 3 : 2);
      expect(types.map((entry) => [entry.type, Number(entry.coins)]).reverse()).toEqual(
        policy === "cap"
          ? [
              ["restore", 100],
              ["reverse", -30],
              ["expire", -70],
            ]
          : [
              ["restore", 100],
              ["expire", -70],
            ],
      );
      await expectCode(coins.reverse({ requestId: "r3", of: "a1" }), "REVERSAL_EXCEEDS_ORIGINAL");
    });
  }

  for (const policy of POLICIES) {
    it(`reversing an allocation gives back its per-user cap usage (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { coins } = world;
      await coins.events.create(
        fixed("DAILY", "100", { caps: { perUser: [{ coins: "150", period: "day" }] } }),
      );
      await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a1" });
      await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
      await coins.reverse({ requestId: "r1", of: "a1", coins: "30" });
      const second = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a2" });
      expectDec(second.coins, "80", "70 of the day's 150 stay used");
      await coins.reverse({ requestId: "r2", of: "a1" });
      await coins.reverse({ requestId: "r3", of: "a2" });
      const third = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a3" });
      expectDec(third.coins, "100");
      expect(third.breakdown.caps).toEqual([]);
    });
  }

  it("a reversal gives cap usage back to the period of the original allocation", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    await coins.events.create(
      fixed("DAILY", "100", { caps: { perUser: [{ coins: "150", period: "day" }] } }),
    );
    await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a1" });
    clock.advance({ days: 1 });
    await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a2" });
    await coins.reverse({ requestId: "r1", of: "a1" });
    const today = await coins.allocate({ userId: "u1", event: "DAILY", requestId: "a3" });
    expectDec(today.coins, "50", "today's usage is untouched by yesterday's reversal");
  });

  for (const policy of POLICIES) {
    it(`reversing an allocation gives back the event budget (clawback ${policy})`, async () => {
      const world = newWorld(storeOf(ref), { clawback: policy });
      const { coins } = world;
      await coins.events.create(fixed("LAUNCH", "100", { caps: { budget: "250" } }));
      await coins.allocate({ userId: "u1", event: "LAUNCH", requestId: "a1" });
      await coins.allocate({ userId: "u2", event: "LAUNCH", requestId: "a2" });
      await coins.redeem({ userId: "u1", coins: "100", requestId: "x1" });
      await coins.reverse({ requestId: "r1", of: "a1", coins: "60" });
      expectDec(await world.store.getBudgetUsed(world.programId, "LAUNCH"), "140");
      const third = await coins.allocate({ userId: "u3", event: "LAUNCH", requestId: "a3" });
      expectDec(third.coins, "100");
      const fourth = await coins.allocate({ userId: "u4", event: "LAUNCH", requestId: "a4" });
      expectDec(fourth.coins, "10");
      expectDec(await world.store.getBudgetUsed(world.programId, "LAUNCH"), "250");
    });
  }

  it("reversing an allocation made before its event had a budget gives no budget back", async () => {
    const world = newWorld(storeOf(ref));
    const { coins } = world;
    await coins.events.create(fixed("LAUNCH", "100"));
    await coins.allocate({ userId: "u1", event: "LAUNCH", requestId: "a1" });
    await coins.events.update("LAUNCH", { caps: { budget: "150" } }, { expectedVersion: 1 });
    await coins.allocate({ userId: "u2", event: "LAUNCH", requestId: "a2" });
    await coins.reverse({ requestId: "r1", of: "a1" });
    expectDec(await world.store.getBudgetUsed(world.programId, "LAUNCH"), "100");
    const third = await coins.allocate({ userId: "u3", event: "LAUNCH", requestId: "a3" });
    expectDec(third.coins, "50");
  });

  it("a budget give-back never takes the counter below 0", async () => {
    const world = newWorld(storeOf(ref));
    const { store, programId } = world;
    const giveBack = (requestId: string, add: string) =>
      store.execute({
        programId,
        userId: "u1",
        reads: {
          at: world.clock.ms,
          usageKeys: [],
          requestIds: [],
          lotIds: [],
          budgetEventId: "LAUNCH",
        },
        decide(snapshot) {
          return {
            change: {
              lots: [],
              totals: snapshot.totals,
              debt: snapshot.debt,
              nextLotId: snapshot.nextLotId,
              nextEntrySeq: snapshot.nextEntrySeq,
              entries: [],
              usage: {},
              requests: [],
              budget: { eventId: "LAUNCH", add, limit: "0" },
            },
            result: requestId,
          };
        },
      });
    await world.coins.events.create(fixed("LAUNCH", "100", { caps: { budget: "150" } }));
    await giveBack("g1", "-40");
    expectDec(await store.getBudgetUsed(programId, "LAUNCH"), "0");
    await world.coins.allocate({ userId: "u2", event: "LAUNCH", requestId: "a1" });
    await giveBack("g2", "-130");
    expectDec(await store.getBudgetUsed(programId, "LAUNCH"), "0");
    await world.coins.allocate({ userId: "u2", event: "LAUNCH", requestId: "a2" });
    await world.coins.allocate({ userId: "u3", event: "LAUNCH", requestId: "a3" });
    expectDec(await store.getBudgetUsed(programId, "LAUNCH"), "150");
  });
}
