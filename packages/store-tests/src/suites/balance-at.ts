/**
 * `balance(userId, { at })` for a past instant: the balance as it stood
 * then, from the history. Lots earned after `at` do not exist, redemptions,
 * reversals and restores after `at` have not happened, and lots whose
 * expiry is at or before `at` count for nothing. The property: for random
 * command sequences, the balance at any past instant equals the balance a
 * read at that instant answered.
 */
import type { Balance, Coinage } from "@coinage/core";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  DAY,
  expectDec,
  fixed,
  HOUR,
  newWorld,
  type StoreRef,
  storeOf,
  type World,
} from "../harness.js";

/** The figures of a balance, decimals canonical, for comparing two balances. */
function figures(balance: Balance) {
  const canon = (value: string) => String(Number(value));
  return {
    available: canon(balance.available),
    pending: canon(balance.pending),
    debt: canon(balance.debt),
    value: canon(balance.value),
    nextExpiry:
      balance.nextExpiry === null
        ? null
        : { at: balance.nextExpiry.at, coins: canon(balance.nextExpiry.coins) },
    asOf: balance.asOf,
  };
}

const at = (ms: number) => ({ at: new Date(ms) });

async function events(coins: Coinage): Promise<void> {
  await coins.events.create(fixed("NEVER", "10"));
  await coins.events.create(fixed("SHORT", "20", { expiry: { days: 3 } }));
  await coins.events.create(fixed("LONG", "50", { expiry: { days: 20 } }));
  await coins.events.create(
    fixed("DELAYED", "15", { expiry: { days: 6 }, activation: { days: 2 } }),
  );
}

export function balanceAtSuite(ref: StoreRef): void {
  it("balance at - should not count lots earned after the instant, nor redemptions after it", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await events(coins);
    const start = clock.ms;
    await coins.allocate({ userId: "u1", event: "LONG", requestId: "a1" });
    clock.advance({ days: 1 });
    await coins.redeem({ userId: "u1", coins: "30", requestId: "r1" });
    clock.advance({ days: 1 });
    await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a2" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a3" });
    clock.advance({ hours: 1 });

    const now = await coins.balance("u1");
    expectDec(now.available, "50");
    expect(Date.parse(now.nextExpiry?.at as string)).toBe(start + 2 * DAY + 3 * DAY);

    const before = await coins.balance("u1", at(start - 1));
    expect(figures(before)).toMatchObject({ available: "0", pending: "0", debt: "0" });
    expect(before.nextExpiry).toBeNull();

    const first = await coins.balance("u1", at(start + HOUR));
    expectDec(first.available, "50", "the redemption of day 1 has not happened");
    expect(first.nextExpiry, "the SHORT lot of day 2 does not exist yet").toEqual({
      at: new Date(start + 20 * DAY).toISOString(),
      coins: "50",
    });
    expect(first.asOf).toBe(new Date(start + HOUR).toISOString());

    const second = await coins.balance("u1", at(start + DAY + HOUR));
    expectDec(second.available, "20");
    expectDec(second.nextExpiry?.coins, "20");
    expectDec(
      (await coins.balance("u1", at(start + DAY))).available,
      "20",
      "at the instant itself",
    );
    expectDec((await coins.balance("u1", at(start + DAY - 1))).available, "50");
  });

  it("balance at - should count expiries up to the instant whether or not a sweep ran", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await events(coins);
    const start = clock.ms;
    await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    clock.advance({ days: 5 });
    expectDec((await coins.balance("u1", at(start + 3 * DAY - 1))).available, "30", "no sweep yet");
    expectDec((await coins.balance("u1", at(start + 3 * DAY))).available, "10");
    await coins.expire();
    clock.advance({ days: 1 });
    await coins.redeem({ userId: "u1", coins: "4", requestId: "r1" });
    clock.advance({ days: 1 });
    expectDec((await coins.balance("u1", at(start + DAY))).available, "30");
    expectDec((await coins.balance("u1", at(start + 4 * DAY))).available, "10");
    expectDec((await coins.balance("u1", at(start + 6 * DAY + 1))).available, "6");
  });

  it("balance at - should show pending coins as they were, and debt as it was", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await events(coins);
    const start = clock.ms;
    await coins.allocate({ userId: "u1", event: "DELAYED", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "NEVER", requestId: "a2" });
    clock.advance({ days: 3 });
    await coins.redeem({ userId: "u1", coins: "20", requestId: "r1" });
    clock.advance({ hours: 1 });
    await coins.reverse({ requestId: "v1", of: "a1" }); // 15 back: 5 taken, 10 as debt
    clock.advance({ hours: 1 });
    const afterReversal = clock.ms;
    clock.advance({ hours: 1 });
    await coins.allocate({ userId: "u1", event: "LONG", requestId: "a3" }); // pays the debt
    clock.advance({ days: 1 });

    const atStart = await coins.balance("u1", at(start + HOUR));
    expect(figures(atStart)).toMatchObject({ available: "10", pending: "15", debt: "0" });
    expectDec(atStart.nextExpiry?.coins, "15");
    const indebted = await coins.balance("u1", at(afterReversal));
    expect(figures(indebted)).toMatchObject({ available: "0", pending: "0", debt: "10" });
    const now = await coins.balance("u1");
    expect(figures(now)).toMatchObject({ available: "40", pending: "0", debt: "0" });
  });

  it("balance at - should put coins restored after the instant back where they were then", async () => {
    const { coins, clock } = newWorld(storeOf(ref), { clawback: "debt" });
    await events(coins);
    const start = clock.ms;
    await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    await coins.allocate({ userId: "u1", event: "LONG", requestId: "a2" });
    clock.advance({ hours: 1 });
    await coins.redeem({ userId: "u1", coins: "60", requestId: "r1" }); // SHORT 20, LONG 40
    clock.advance({ hours: 1 });
    const spent = clock.ms;
    clock.advance({ hours: 1 });
    await coins.reverse({ requestId: "v1", of: "a2" }); // 10 taken, 40 as debt
    clock.advance({ hours: 1 });
    const indebted = clock.ms;
    clock.advance({ hours: 1 });
    await coins.reverse({ requestId: "v2", of: "r1" }); // 60 back: repays the debt first
    clock.advance({ hours: 1 });

    expect(figures(await coins.balance("u1", at(start)))).toMatchObject({ available: "70" });
    expect(figures(await coins.balance("u1", at(spent)))).toMatchObject({
      available: "10",
      debt: "0",
    });
    expect(figures(await coins.balance("u1", at(indebted)))).toMatchObject({
      available: "0",
      debt: "40",
    });
    const now = await coins.balance("u1");
    expect(figures(await coins.balance("u1", at(clock.ms - 1)))).toEqual({
      ...figures(now),
      asOf: new Date(clock.ms - 1).toISOString(),
    });
  });

  it("balance at - should be all zero for an unknown user and leave the future as a projection", async () => {
    const { coins, clock } = newWorld(storeOf(ref));
    await events(coins);
    const zero = await coins.balance("nobody", at(clock.ms - DAY));
    expect(figures(zero)).toMatchObject({ available: "0", pending: "0", debt: "0" });
    await coins.allocate({ userId: "u1", event: "SHORT", requestId: "a1" });
    const ahead = await coins.balance("u1", at(clock.ms + 4 * DAY));
    expectDec(ahead.available, "0", "expired by then with nothing else happening");
  });

  it("balance at - should equal, at every past instant, what a read at that instant answered", async () => {
    const store = storeOf(ref);
    // COINAGE_BALANCE_AT_RUNS overrides the number of sequences (long runs).
    const runs = Number(process.env.COINAGE_BALANCE_AT_RUNS ?? (store.name === "memory" ? 40 : 8));
    const step = fc.oneof(
      fc.record({ t: fc.constant("allocate" as const), event: fc.nat(3) }),
      fc.record({ t: fc.constant("redeem" as const), coins: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ t: fc.constant("reverse" as const), pick: fc.nat(), part: fc.boolean() }),
      fc.record({ t: fc.constant("adjust" as const), coins: fc.integer({ min: -30, max: 30 }) }),
      fc.record({ t: fc.constant("expire" as const) }),
      fc.record({ t: fc.constant("advance" as const), hours: fc.integer({ min: 1, max: 80 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("debt" as const, "cap" as const),
        fc.array(step, { minLength: 5, maxLength: 30 }),
        async (clawback, steps) => {
          const world = newWorld(store, { clawback });
          await events(world.coins);
          const seen = await replay(world, steps);
          // Several commands may share an instant: the balance then is the one after the last.
          const last = new Map(seen.map(({ ms, balance }) => [ms, balance] as const));
          for (const [ms, balance] of last) {
            const then = await world.coins.balance("u1", at(ms));
            expect(figures(then), `at ${new Date(ms).toISOString()}`).toEqual(figures(balance));
          }
        },
      ),
      { numRuns: runs },
    );
  });
}

type Step =
  | { t: "allocate"; event: number }
  | { t: "redeem"; coins: number }
  | { t: "reverse"; pick: number; part: boolean }
  | { t: "adjust"; coins: number }
  | { t: "expire" }
  | { t: "advance"; hours: number };

const EVENTS = ["NEVER", "SHORT", "LONG", "DELAYED"];
/** Refusals that are part of a random sequence: they change nothing. */
const TOLERATED = new Set(["INSUFFICIENT_COINS", "NOT_REVERSIBLE", "REVERSAL_EXCEEDS_ORIGINAL"]);

/**
 * Runs the steps on user u1 (failures such as not enough coins are part of
 * the sequence) and reads the balance at the instant after each of them
 * and half-way through each advance; answers every reading, with its
 * instant.
 */
async function replay(world: World, steps: readonly Step[]) {
  const { coins, clock } = world;
  const seen: { ms: number; balance: Balance }[] = [];
  const booked: string[] = [];
  const read = async () => seen.push({ ms: clock.ms, balance: await coins.balance("u1") });
  let n = 0;
  for (const step of steps) {
    const requestId = `q${n++}`;
    try {
      if (step.t === "allocate") {
        const event = EVENTS[step.event] as string;
        await coins.allocate({ userId: "u1", event, requestId });
        booked.push(requestId);
      } else if (step.t === "redeem") {
        await coins.redeem({ userId: "u1", coins: String(step.coins), requestId });
        booked.push(requestId);
      } else if (step.t === "reverse") {
        if (booked.length === 0) continue;
        const of = booked[step.pick % booked.length] as string;
        const original = await coins.request(of);
        const left = Number(original.coins) - Number(original.reversed);
        if (left <= 0) continue;
        const part = step.part ? Math.max(1, Math.floor(left / 2)) : undefined;
        await coins.reverse(
          part === undefined ? { requestId, of } : { requestId, of, coins: String(part) },
        );
      } else if (step.t === "adjust") {
        if (step.coins === 0) continue;
        await coins.adjust({ userId: "u1", coins: String(step.coins), requestId, reason: "fix" });
      } else if (step.t === "expire") {
        await coins.expire();
      } else {
        clock.advance({ ms: (step.hours * HOUR) / 2 });
        await read();
        clock.advance({ ms: (step.hours * HOUR) / 2 });
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!TOLERATED.has(code ?? "")) throw error;
    }
    await read();
  }
  clock.advance({ hours: 1 });
  return seen;
}
