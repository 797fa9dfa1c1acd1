/**
 * Member levels: a ladder reached by coins earned from allocations in the
 * trailing calendar months, kept in per-account monthly counters; events
 * multiply rewards per level; reversals lower the qualifying total.
 */
import { previewReward } from "@coinage/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  expectCode,
  expectDec,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
  units,
} from "../harness.js";

const levels = {
  ladder: [
    { id: "SILVER", from: "1000" },
    { id: "GOLD", from: "5000" },
  ],
};

const goldBonus = [
  { level: "SILVER", multiplier: "1.1" },
  { level: "GOLD", multiplier: "1.25" },
];

export function levelsSuite(ref: StoreRef): void {
  it("levels - should climb the ladder with coins earned, and multiply rewards at a level", async () => {
    const { coins } = newWorld(storeOf(ref), { levels });
    await coins.events.create(fixed("BIG", "1000", { levels: goldBonus }));

    const start = await coins.level("u1");
    expect(start).toMatchObject({ userId: "u1", level: null, qualifying: "0" });
    expect(start.next).toEqual({ level: "SILVER", from: "1000", missing: "1000" });
    expect(start.window.months).toBe(12);
    expect(start.window.last).toBe("2026-03");
    expect(start.window.first).toBe("2025-04");

    // No level yet: ×1, and the breakdown names none.
    const first = await coins.allocate({ userId: "u1", event: "BIG", requestId: "a1" });
    expectDec(first.coins, "1000");
    expect(first.breakdown.level).toBeUndefined();
    expect(await coins.level("u1")).toMatchObject({
      level: "SILVER",
      qualifying: "1000",
      next: { level: "GOLD", from: "5000", missing: "4000" },
    });

    // Silver: ×1.1.
    const second = await coins.allocate({ userId: "u1", event: "BIG", requestId: "a2" });
    expectDec(second.coins, "1100");
    expect(second.breakdown.level).toEqual({ id: "SILVER", multiplier: "1.1" });
    expectDec(second.breakdown.multiplier, "1.1");
    for (const requestId of ["a3", "a4"]) {
      await coins.allocate({ userId: "u1", event: "BIG", requestId });
    }
    // 1000 + 1100 + 1100 + 1100 = 4300: still Silver.
    expect(await coins.level("u1")).toMatchObject({ level: "SILVER", qualifying: "4300" });
    await coins.allocate({ userId: "u1", event: "BIG", requestId: "a5" });
    const gold = await coins.level("u1");
    expect(gold).toMatchObject({ level: "GOLD", qualifying: "5400", next: null });

    // The preview and the allocation agree on the Gold multiplier.
    const preview = await coins.preview({ userId: "u1", event: "BIG" });
    expectDec(preview.coins, "1250");
    expect(preview.breakdown.level).toEqual({ id: "GOLD", multiplier: "1.25" });
    const third = await coins.allocate({ userId: "u1", event: "BIG", requestId: "a6" });
    expectDec(third.coins, "1250");

    // The pure preview gives the same with the level as input.
    const event = await coins.events.get("BIG");
    const pure = previewReward(event, { level: "GOLD" }, coins.program, new Date());
    expectDec(pure.coins, "1250");
    // An event without a multiplier for the level pays ×1 and still names the level.
    await coins.events.create(fixed("PLAIN", "10"));
    const plain = await coins.allocate({ userId: "u1", event: "PLAIN", requestId: "p1" });
    expectDec(plain.coins, "10");
    expect(plain.breakdown.level).toEqual({ id: "GOLD", multiplier: "1" });
  });

  it("levels - should lower the qualifying total on reversals, and count only the window's months", async () => {
    const { coins, clock } = newWorld(storeOf(ref), { levels: { ...levels, months: 3 } });
    await coins.events.create(fixed("BIG", "3000"));
    await coins.allocate({ userId: "u1", event: "BIG", requestId: "a1" });
    clock.advance({ days: 31 });
    await coins.allocate({ userId: "u1", event: "BIG", requestId: "a2" });
    expect(await coins.level("u1")).toMatchObject({ level: "GOLD", qualifying: "6000" });

    await coins.reverse({ requestId: "v1", of: "a2", coins: "1500" });
    expect(await coins.level("u1")).toMatchObject({ level: "SILVER", qualifying: "4500" });

    // March 2026 (a1) falls out of a 3-month window in June.
    clock.set("2026-06-10T00:00:00.000Z");
    const june = await coins.level("u1");
    expect(june.window).toEqual({ months: 3, first: "2026-04", last: "2026-06" });
    expect(june).toMatchObject({ level: "SILVER", qualifying: "1500" });
    clock.set("2026-07-01T00:00:00.000Z");
    expect(await coins.level("u1")).toMatchObject({ level: null, qualifying: "0" });

    // Reversing a1 now gives its month back (never below 0) and changes nothing current.
    await coins.reverse({ requestId: "v2", of: "a1" });
    expect(await coins.level("u1")).toMatchObject({ level: null, qualifying: "0" });
  });

  it("levels - should count months in the program's time zone", async () => {
    const { coins, clock } = newWorld(storeOf(ref), {
      levels: { ...levels, months: 1 },
      timeZone: "Asia/Kolkata",
      start: "2026-03-31T19:00:00.000Z", // 1 April 00:30 in Kolkata
    });
    await coins.events.create(fixed("BIG", "2000"));
    await coins.allocate({ userId: "u1", event: "BIG", requestId: "a1" });
    const april = await coins.level("u1");
    expect(april.window).toEqual({ months: 1, first: "2026-04", last: "2026-04" });
    expect(april.level).toBe("SILVER");
    clock.set("2026-04-30T19:00:00.000Z"); // 1 May 00:30 in Kolkata
    expect(await coins.level("u1")).toMatchObject({ level: null, qualifying: "0" });
  });

  it("levels - should refund by amount at the level the allocation was booked at", async () => {
    const { coins } = newWorld(storeOf(ref), { levels });
    await coins.events.create(fixed("JOIN", "5000"));
    await coins.events.create({
      id: "SHOP",
      name: "Shop",
      reward: { kind: "percentage", percent: "10" },
      levels: goldBonus,
    });
    await coins.allocate({ userId: "u1", event: "JOIN", requestId: "j1" });
    const earned = await coins.allocate({
      userId: "u1",
      event: "SHOP",
      requestId: "s1",
      amount: "1000",
    });
    expectDec(earned.coins, "500", "1000 × 10% ÷ 0.25 × 1.25");
    // The member drops to no level; the refund still uses Gold's ×1.25.
    await coins.reverse({ requestId: "v1", of: "j1" });
    expect((await coins.level("u1")).level).toBe(null);
    const refund = await coins.reverse({ requestId: "v2", of: "s1", amount: "400" });
    expectDec(refund.coins, "200");
  });

  it("levels - should refuse level() without levels, and bad level definitions", async () => {
    const { coins } = newWorld(storeOf(ref));
    const error = await expectCode(coins.level("u1"), "INVALID_INPUT");
    expect(error.details).toMatchObject({ issues: [{ path: "program.levels" }] });
    await expectCode(
      coins.events.create(fixed("X", "1", { levels: [{ level: "GOLD", multiplier: "0" }] })),
      "INVALID_INPUT",
    );
    await expectCode(
      coins.events.create(
        fixed("Y", "1", {
          levels: [
            { level: "GOLD", multiplier: "2" },
            { level: "GOLD", multiplier: "3" },
          ],
        }),
      ),
      "INVALID_INPUT",
    );
    expect(() =>
      newWorld(storeOf(ref), {
        levels: {
          ladder: [
            { id: "GOLD", from: "5000" },
            { id: "SILVER", from: "1000" },
          ],
        },
      }),
    ).toThrow(/previous level/);
  });

  it("levels - the level and qualifying total follow a model of earnings and reversals (property)", async () => {
    const store = storeOf(ref);
    const ladder = levels.ladder;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("earn" as const),
              coins: fc.integer({ min: 1, max: 2500 }),
            }),
            fc.record({ op: fc.constant("reverse" as const), pick: fc.nat(20) }),
            fc.record({ op: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 120 }) }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (steps) => {
          const { coins, clock } = newWorld(store, { levels: { ladder, months: 2 } });
          await coins.events.create({
            id: "E",
            name: "E",
            reward: { kind: "percentage", percent: "100" },
            levels: goldBonus,
          });
          // The model: each allocation's coins, its month and what is left of it.
          const booked: { id: string; month: string; left: bigint }[] = [];
          const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
          const window = (ms: number) => {
            const d = new Date(ms);
            const previous = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
            return [monthOf(ms), monthOf(previous.getTime())];
          };
          const qualifying = () => {
            const months = window(clock.ms);
            return booked
              .filter((b) => months.includes(b.month))
              .reduce((sum, b) => sum + b.left, 0n);
          };
          const levelOf = (total: bigint) => {
            let level: string | null = null;
            for (const rung of ladder) if (total >= units(rung.from)) level = rung.id;
            return level;
          };
          for (const [i, step] of steps.entries()) {
            if (step.op === "wait") clock.advance({ days: step.days });
            else if (step.op === "earn") {
              const level = levelOf(qualifying());
              const multiplier = level === "GOLD" ? "1.25" : level === "SILVER" ? "1.1" : "1";
              const result = await coins.allocate({
                userId: "u",
                event: "E",
                requestId: `a${i}`,
                amount: String(step.coins / 4),
              });
              // amount × 100% ÷ 0.25 = coins, × the level's multiplier, rounded down.
              const expected = (BigInt(step.coins) * units(multiplier)) / units(1);
              expect(units(result.coins)).toBe(expected * units(1));
              booked.push({ id: `a${i}`, month: monthOf(clock.ms), left: units(result.coins) });
            } else if (booked.length > 0) {
              const target = booked[step.pick % booked.length] as (typeof booked)[number];
              if (target.left === 0n) continue;
              await coins.reverse({ requestId: `v${i}`, of: target.id });
              target.left = 0n;
            }
            const standing = await coins.level("u");
            expect(units(standing.qualifying)).toBe(qualifying());
            expect(standing.level).toBe(levelOf(qualifying()));
          }
        },
      ),
      { numRuns: 20 },
    );
  });
}
