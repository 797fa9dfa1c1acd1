/**
 * Partial refunds by amount: `reverse({ of, amount })` takes back what the
 * refunded part of the purchase earned, with the rule as booked (the event,
 * the program, the instant and the cap usage of the allocation), never with
 * today's; refunds together never exceed the purchase nor the coins earned.
 */
import { previewReward } from "@coinage/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  DAY,
  expectCode,
  expectDec,
  fixed,
  iso,
  newWorld,
  type StoreRef,
  storeOf,
  units,
} from "../harness.js";

const tiers = [
  { from: "0", percent: "5" },
  { from: "5000", percent: "7.5" },
  { from: "10000", percent: "10" },
];

export function refundsSuite(ref: StoreRef): void {
  it("refund by amount - should take back a dropped tier's extra, and the rest with the last refund", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create({
      id: "FLAT",
      name: "Flat tiers",
      reward: { kind: "tiered", mode: "flat", tiers },
    });
    const earned = await coins.allocate({
      userId: "u1",
      event: "FLAT",
      requestId: "a1",
      amount: "12000",
    });
    expectDec(earned.coins, "4800", "12000 at 10% is 1200, 4800 coins");
    expect(earned).not.toHaveProperty("terms");

    // 12000 → 8000 drops to the 7.5% tier: 4800 − 2400 = 2400 back.
    const first = await coins.reverse({ requestId: "v1", of: "a1", amount: "4000" });
    expectDec(first.coins, "2400");
    expectDec(first.taken, "2400");
    expect(first.amount).toBe("4000");
    expect(first.kind).toBe("allocation");
    expectDec(first.balance.available, "2400");

    // 8000 → 3000 drops to 5%: 2400 − 600 = 1800 back.
    const second = await coins.reverse({ requestId: "v2", of: "a1", amount: "5000" });
    expectDec(second.coins, "1800");

    const status = await coins.request("a1");
    expect(status.amount).toBe("12000");
    expectDec(status.refunded as string, "9000");
    expectDec(status.reversed, "4200");
    expect(status.result).not.toHaveProperty("terms");

    // More than is left of the purchase: refused, nothing written.
    const over = await expectCode(
      coins.reverse({ requestId: "v3", of: "a1", amount: "3000.01" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
    expect(over.details).toMatchObject({ unit: "amount", remaining: "3000", requested: "3000.01" });
    expectDec((await coins.balance("u1")).available, "600");

    const last = await coins.reverse({ requestId: "v3", of: "a1", amount: "3000" });
    expectDec(last.coins, "600");
    expectDec((await coins.balance("u1")).available, "0");
    expectDec((await coins.request("a1")).reversed, "4800");
    await expectCode(
      coins.reverse({ requestId: "v4", of: "a1", amount: "0.01" }),
      "REVERSAL_EXCEEDS_ORIGINAL",
    );
  });

  it("refund by amount - should use the event and promotion as booked, not as edited since", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    const from = clock.ms - DAY;
    const until = clock.ms + DAY;
    await coins.events.create({
      id: "SALE",
      name: "Sale",
      reward: { kind: "percentage", percent: "10" },
      promotions: [{ id: "DOUBLE", multiplier: "2", from: iso(from), until: iso(until) }],
    });
    const earned = await coins.allocate({
      userId: "u1",
      event: "SALE",
      requestId: "a1",
      amount: "1000",
    });
    expectDec(earned.coins, "800", "1000 × 10% × 2 / 0.25");
    // The rate is raised and the promotion is over by the time of the refund.
    await coins.events.update("SALE", { reward: { kind: "percentage", percent: "50" } });
    clock.advance({ days: 3 });
    const refund = await coins.reverse({ requestId: "v1", of: "a1", amount: "250" });
    expectDec(refund.coins, "200", "250 × 10% × 2 / 0.25, as booked");
    expectDec((await coins.balance("u1")).available, "600");
  });

  it("refund by amount - should respect the cap the allocation hit, and never take back more than it earned", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create({
      id: "CAPPED",
      name: "Capped",
      reward: { kind: "percentage", percent: "10" },
      caps: { perAllocation: "300" },
    });
    // 5000 × 10% / 0.25 = 2000, capped at 300.
    const earned = await coins.allocate({
      userId: "u1",
      event: "CAPPED",
      requestId: "a1",
      amount: "5000",
    });
    expectDec(earned.coins, "300");
    // Down to 4000: 1600 raw, still capped at 300: nothing back.
    const none = await coins.reverse({ requestId: "v1", of: "a1", amount: "1000" });
    expectDec(none.coins, "0");
    expect(none.lots).toEqual([]);
    expectDec((await coins.balance("u1")).available, "300");
    // Down to 50: 20 coins; 280 back.
    const most = await coins.reverse({ requestId: "v2", of: "a1", amount: "3950" });
    expectDec(most.coins, "280");
    const rest = await coins.reverse({ requestId: "v3", of: "a1", amount: "50" });
    expectDec(rest.coins, "20");
    expectDec((await coins.request("a1")).reversed, "300");
  });

  it("refund by amount - should not take back coins reversed by coins or already expired", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await coins.events.create({
      id: "PCT",
      name: "Percent",
      reward: { kind: "percentage", percent: "10" },
    });
    await coins.allocate({ userId: "u1", event: "PCT", requestId: "a1", amount: "1000" });
    // 400 coins; 300 reversed by coins first.
    await coins.reverse({ requestId: "v1", of: "a1", coins: "300" });
    // Half the purchase earned 200, but only 100 are left to reverse.
    const refund = await coins.reverse({ requestId: "v2", of: "a1", amount: "500" });
    expectDec(refund.coins, "100");
    expectDec((await coins.request("a1")).reversed, "400");
    const after = await coins.reverse({ requestId: "v3", of: "a1", amount: "500" });
    expectDec(after.coins, "0");

    await coins.events.create({
      id: "SHORT",
      name: "Short-lived",
      reward: { kind: "percentage", percent: "10" },
      expiry: { days: 1 },
    });
    await coins.allocate({ userId: "u2", event: "SHORT", requestId: "b1", amount: "1000" });
    clock.advance({ days: 2 });
    const gone = await coins.reverse({ requestId: "w1", of: "b1", amount: "1000" });
    expectDec(gone.coins, "0", "the coins expired unspent: nothing to take");
    expectDec((await coins.balance("u2")).debt, "0");
  });

  it("refund by amount - should refuse requests it cannot apply to, and replay like any reversal", async () => {
    const { coins } = newWorld(storeOf(ref));
    await coins.events.create(fixed("FIXED", "100"));
    await coins.events.create({
      id: "PCT",
      name: "Percent",
      reward: { kind: "percentage", percent: "10" },
    });
    await coins.allocate({ userId: "u1", event: "FIXED", requestId: "no-amount" });
    await coins.allocate({ userId: "u1", event: "PCT", requestId: "a1", amount: "100" });
    await coins.redeem({ userId: "u1", coins: "10", requestId: "r1" });

    const noAmount = await expectCode(
      coins.reverse({ requestId: "v1", of: "no-amount", amount: "10" }),
      "NOT_REVERSIBLE",
    );
    expect(noAmount.details).toMatchObject({ by: "amount" });
    await expectCode(coins.reverse({ requestId: "v2", of: "r1", amount: "10" }), "NOT_REVERSIBLE");
    await expectCode(
      coins.reverse({ requestId: "v3", of: "a1", amount: "10", coins: "4" }),
      "INVALID_INPUT",
    );
    await expectCode(coins.reverse({ requestId: "v3", of: "a1", amount: "0" }), "INVALID_INPUT");
    await expectCode(coins.reverse({ requestId: "v3", of: "a1", amount: "-5" }), "INVALID_INPUT");

    const first = await coins.reverse({ requestId: "v3", of: "a1", amount: "25" });
    expectDec(first.coins, "10");
    const again = await coins.reverse({ requestId: "v3", of: "a1", amount: "25" });
    expect(again).toEqual({ ...first, replayed: true });
    await expectCode(
      coins.reverse({ requestId: "v3", of: "a1", amount: "26" }),
      "IDEMPOTENCY_CONFLICT",
    );
    const replayedAllocation = await coins.allocate({
      userId: "u1",
      event: "PCT",
      requestId: "a1",
      amount: "100",
    });
    expect(replayedAllocation).not.toHaveProperty("terms");
    expectDec((await coins.request("a1")).refunded as string, "25");
  });

  it("refund by amount - several refunds take back exactly coins(a) − coins(a − refunded), never more than earned (property)", async () => {
    const store = storeOf(ref);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40_000 }),
        fc.array(fc.integer({ min: 1, max: 15_000 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<"flat" | "progressive">("flat", "progressive"),
        async (amount, refunds, mode) => {
          const { coins, clock } = newWorld(store, { coinScale: 2 });
          const event = await coins.events.create({
            id: "T",
            name: "Tiers",
            reward: { kind: "tiered", mode, tiers },
            caps: { perAllocation: "3000" },
          });
          const program = {
            id: "model",
            coinValue: "0.25",
            coinScale: 2,
            rounding: "down" as const,
            timeZone: "UTC",
            clawback: "debt" as const,
          };
          const model = (x: number) =>
            units(previewReward(event, { amount: String(x) }, program, clock.now()).coins);
          const earned = await coins.allocate({
            userId: "u",
            event: "T",
            requestId: "a",
            amount: String(amount),
          });
          expect(units(earned.coins)).toBe(model(amount));
          let refunded = 0;
          let reversed = 0n;
          for (const [i, r] of refunds.entries()) {
            const call = coins.reverse({ requestId: `v${i}`, of: "a", amount: String(r) });
            if (refunded + r > amount) {
              await expectCode(call, "REVERSAL_EXCEEDS_ORIGINAL");
              continue;
            }
            const result = await call;
            expect(units(result.coins)).toBe(
              model(amount - refunded) - model(amount - refunded - r),
            );
            refunded += r;
            reversed += units(result.coins);
          }
          expect(reversed).toBe(model(amount) - model(amount - refunded));
          expect(reversed <= units(earned.coins)).toBe(true);
          const balance = await coins.balance("u");
          expect(units(balance.available)).toBe(units(earned.coins) - reversed);
        },
      ),
      { numRuns: 25 },
    );
  });
}
