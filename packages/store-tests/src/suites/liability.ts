/**
 * `liability()`: the program's outstanding coins, debt and running totals,
 * from counters the commits maintain. Checked against the accounts' own
 * balances and histories, and against the conservation law.
 */
import type { Coinage, Liability } from "@coinage/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  allHistory,
  expectCode,
  fixed,
  newWorld,
  type StoreRef,
  storeOf,
  units,
} from "../harness.js";

/**
 * Whether the store keeps no totals; then `liability()` must say so, as
 * INVALID_INPUT at `store` (checked here, so the test asserts that much).
 */
async function refused(coins: Coinage): Promise<boolean> {
  try {
    await coins.liability();
    return false;
  } catch (error) {
    expect(error).toMatchObject({
      code: "INVALID_INPUT",
      details: { issues: [{ path: "store" }] },
    });
    return true;
  }
}

/** The conservation law, program-wide. */
function expectConserved(l: Liability): void {
  const left =
    units(l.earned) +
    units(l.adjusted) -
    units(l.redeemed) -
    units(l.expired) -
    units(l.reversed) +
    units(l.restored);
  expect(left).toBe(units(l.available) + units(l.pending) - units(l.debt));
  expect(units(l.outstanding)).toBe(units(l.available) + units(l.pending));
}

export function liabilitySuite(ref: StoreRef): void {
  it("liability - should total every kind of movement, exactly, with breakage counted at expiry", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    if (await refused(coins)) return;
    expect(await coins.liability()).toMatchObject({
      available: "0",
      pending: "0",
      outstanding: "0",
      value: "0",
      debt: "0",
      earned: "0",
      expired: "0",
    });
    await coins.events.create(fixed("SHORT", "100", { expiry: { days: 10 } }));
    await coins.events.create(fixed("LATER", "40", { activation: { days: 7 } }));
    await coins.events.create(fixed("PLAIN", "50"));
    await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    await coins.allocate({ userId: "u2", event: "LATER", requestId: "a2" });
    await coins.allocate({ userId: "u3", event: "PLAIN", requestId: "a3" });
    await coins.redeem({ userId: "u3", coins: "30", requestId: "r1" });
    // u3 holds 20: reversing its 50 takes 20 and books 30 as debt.
    await coins.reverse({ requestId: "v1", of: "a3" });
    await coins.adjust({ userId: "u1", coins: "-5", requestId: "j1", reason: "fix" });
    await coins.redeem({ userId: "u1", coins: "15", requestId: "r2" });
    await coins.reverse({ requestId: "v2", of: "r2", coins: "10" });

    const now = await coins.liability();
    expect(now).toMatchObject({
      available: "90",
      pending: "40",
      outstanding: "130",
      value: "32.5",
      debt: "30",
      earned: "190",
      redeemed: "45",
      expired: "0",
      reversed: "50",
      restored: "10",
      adjusted: "-5",
      asOf: clock.iso,
    });
    expectConserved(now);

    // A week on, u2's coins are available; eleven days on, u1's 90 expired
    // (not swept yet: they count as expired all the same).
    const week = await coins.liability({ at: new Date(clock.ms + 7 * 86_400_000) });
    expect(week).toMatchObject({ available: "130", pending: "0", outstanding: "130" });
    clock.advance({ days: 11 });
    const after = await coins.liability();
    expect(after).toMatchObject({ available: "40", pending: "0", expired: "90", debt: "30" });
    expectConserved(after);
    await coins.expire();
    expect(await coins.liability()).toEqual(after);
  });

  it("liability - should agree with the sum of the accounts' balances and histories (property)", async () => {
    const store = storeOf(ref);
    const probe = newWorld(store);
    if (await refused(probe.coins)) return;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            user: fc.constantFrom("a", "b", "c"),
            op: fc.constantFrom(
              "earn",
              "earnLater",
              "redeem",
              "reverse",
              "cancel",
              "adjust",
              "wait",
              "sweep",
            ),
            n: fc.integer({ min: 1, max: 120 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (steps) => {
          const { coins, clock } = newWorld(store, { clawback: "debt" });
          const percent = { kind: "percentage", percent: "100" } as const;
          await coins.events.create({ id: "E", reward: percent, expiry: { days: 20 } });
          await coins.events.create({ id: "P", reward: percent, activation: { days: 3 } });
          const earned: string[] = [];
          const spent: string[] = [];
          for (const [i, { user, op, n }] of steps.entries()) {
            const requestId = `q${i}`;
            try {
              if (op === "earn" || op === "earnLater") {
                await coins.allocate({
                  userId: user,
                  event: op === "earn" ? "E" : "P",
                  requestId,
                  amount: String(n),
                });
                earned.push(requestId);
              } else if (op === "redeem") {
                await coins.redeem({ userId: user, coins: String(n), requestId });
                spent.push(requestId);
              } else if (op === "reverse" && earned.length > 0) {
                await coins.reverse({ requestId, of: earned[n % earned.length] as string });
              } else if (op === "cancel" && spent.length > 0) {
                await coins.reverse({ requestId, of: spent[n % spent.length] as string });
              } else if (op === "adjust") {
                const delta = n === 60 ? 1 : n - 60;
                await coins.adjust({ userId: user, coins: String(delta), requestId, reason: "x" });
              } else if (op === "wait") {
                clock.advance({ days: n % 9 });
              } else if (op === "sweep") {
                await coins.expire();
              }
            } catch (error) {
              const code = (error as { code?: string }).code;
              if (code !== "INSUFFICIENT_COINS" && code !== "REVERSAL_EXCEEDS_ORIGINAL")
                throw error;
            }
          }
          const l = await coins.liability();
          expectConserved(l);
          let available = 0n;
          let pending = 0n;
          let debt = 0n;
          const byType = new Map<string, bigint>();
          for (const user of ["a", "b", "c"]) {
            const b = await coins.balance(user);
            available += units(b.available);
            pending += units(b.pending);
            debt += units(b.debt);
            for (const entry of await allHistory(coins, user, 500))
              byType.set(entry.type, (byType.get(entry.type) ?? 0n) + units(entry.coins));
          }
          expect(units(l.available)).toBe(available);
          expect(units(l.pending)).toBe(pending);
          expect(units(l.debt)).toBe(debt);
          expect(units(l.earned)).toBe(byType.get("earn") ?? 0n);
          expect(units(l.redeemed)).toBe(-(byType.get("redeem") ?? 0n));
          expect(units(l.reversed)).toBe(-(byType.get("reverse") ?? 0n));
          expect(units(l.restored)).toBe(byType.get("restore") ?? 0n);
          expect(units(l.adjusted)).toBe(byType.get("adjust") ?? 0n);
          // Expired: the swept entries plus what expired unswept.
          expect(units(l.expired) >= -(byType.get("expire") ?? 0n)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("liability - should keep programs apart, and refuse an instant before now", async () => {
    const store = storeOf(ref);
    const one = newWorld(store);
    const two = newWorld(store);
    if (await refused(one.coins)) return;
    await one.coins.events.create(fixed("E", "70"));
    await one.coins.allocate({ userId: "u", event: "E", requestId: "a" });
    expect((await one.coins.liability()).earned).toBe("70");
    expect((await two.coins.liability()).earned).toBe("0");
    await expectCode(one.coins.liability({ at: new Date(one.clock.ms - 1) }), "INVALID_INPUT");
    await expectCode(one.coins.liability({ at: "soon" as never }), "INVALID_INPUT");
  });
}
