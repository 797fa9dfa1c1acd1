/**
 * Bounded reads: `loadAccount` shows a command only the lots the contract
 * names (`AccountSnapshot.lots`), and the account's totals describe every
 * open lot. The expected selection is computed here, independently of core,
 * from every lot of the account (named by its history).
 */
import type { AccountReads, AccountSnapshot, Lot } from "@coinage/core";
import { expect, it } from "vitest";
import {
  allHistory,
  DAY,
  fixed,
  fromUnits,
  HOUR,
  lotIdsOf,
  newWorld,
  type StoreRef,
  storeOf,
  units,
  type World,
} from "../harness.js";

/** FIFO: earliest expiry first, never-expiring last; then earliest earned; then lowest id. */
function fifoOrder(a: Lot, b: Lot): number {
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  return a.earnedAt - b.earnedAt || a.id - b.id;
}

/** The ids of the lots a snapshot read with `reads` holds, from every lot of the account. */
function expectedIds(all: readonly Lot[], reads: AccountReads, asOf: number): number[] {
  const at = reads.at;
  const ids = new Set(all.filter((lot) => reads.lotIds.includes(lot.id)).map((lot) => lot.id));
  const open = all.filter((lot) => units(lot.remaining) > 0n);
  const live = open.filter((lot) => lot.expiresAt === null || lot.expiresAt > at).sort(fifoOrder);
  for (const lot of open) {
    const due = lot.expiresAt !== null && lot.expiresAt <= at;
    const activated = lot.availableAt > Math.min(asOf, at) && lot.availableAt <= Math.max(asOf, at);
    if (due || activated) ids.add(lot.id);
  }
  const first = live[0];
  if (first !== undefined && first.expiresAt !== null)
    for (const lot of live) if (lot.expiresAt === first.expiresAt) ids.add(lot.id);
  const next = open
    .filter((lot) => lot.availableAt > at)
    .sort((a, b) => a.availableAt - b.availableAt || a.id - b.id)[0];
  if (next !== undefined) ids.add(next.id);
  if (reads.spend !== undefined) {
    const spend = units(reads.spend);
    let held = 0n;
    let last: Lot | undefined;
    for (const lot of live) {
      ids.add(lot.id);
      if (lot.availableAt > at) continue;
      held += units(lot.remaining);
      if (held > spend) {
        last = lot;
        break;
      }
    }
    const expiresAt = last?.expiresAt ?? null;
    if (expiresAt !== null)
      for (const lot of live) if (lot.expiresAt === expiresAt) ids.add(lot.id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Every lot of the account, open or closed. */
async function everyLot(world: World, userId: string): Promise<readonly Lot[]> {
  return world.lots(userId, lotIdsOf(await allHistory(world.coins, userId)));
}

async function load(world: World, userId: string, reads: Partial<AccountReads> & { at: number }) {
  return world.store.loadAccount(world.programId, userId, {
    usageKeys: [],
    requestIds: [],
    lotIds: [],
    ...reads,
  });
}

/** The totals describe every open lot at their instant; `nextChangeAt` never passes the next change. */
function expectTotals(snapshot: AccountSnapshot, all: readonly Lot[], label: string): void {
  const { totals } = snapshot;
  const open = all.filter((lot) => units(lot.remaining) > 0n);
  const sum = (lots: readonly Lot[]) =>
    fromUnits(lots.reduce((s, l) => s + units(l.remaining), 0n));
  expect(fromUnits(units(totals.open)), `${label}: totals.open`).toBe(sum(open));
  expect(fromUnits(units(totals.pending)), `${label}: totals.pending`).toBe(
    sum(open.filter((lot) => lot.availableAt > totals.asOf)),
  );
  const changes = open.flatMap((lot) => [
    ...(lot.expiresAt === null ? [] : [lot.expiresAt]),
    ...(lot.availableAt > totals.asOf ? [lot.availableAt] : []),
  ]);
  if (changes.length > 0) {
    expect(totals.nextChangeAt, `${label}: totals.nextChangeAt`).not.toBeNull();
    expect(totals.nextChangeAt as number, `${label}: totals.nextChangeAt`).toBeLessThanOrEqual(
      Math.min(...changes),
    );
  }
}

export function readsSuite(ref: StoreRef): void {
  it("loadAccount - should hold exactly the lots the contract selects, with totals over every open lot", async () => {
    const world = newWorld(storeOf(ref));
    const { coins, clock } = world;
    const start = clock.ms;
    await coins.events.create(fixed("WEEK", "100", { expiry: { days: 7 } }));
    await coins.events.create(
      fixed("LATER", "40", { expiry: { days: 7 }, activation: { days: 2 } }),
    );
    await coins.events.create(fixed("MONTH", "60", { expiry: { days: 30 } }));
    await coins.events.create(fixed("NEVER", "50"));
    await coins.events.create(fixed("SLOW", "30", { activation: { days: 3 } }));
    const user = "u1";
    let k = 0;
    const allocate = (event: string) =>
      coins.allocate({ userId: user, event, requestId: `a${k++}` });
    // Ties on expiry (two WEEK lots earned together), pending lots, a never-expiring tail.
    for (const event of ["WEEK", "WEEK", "LATER", "MONTH", "NEVER", "SLOW", "NEVER"])
      await allocate(event);
    clock.advance({ hours: 5 });
    for (const event of ["WEEK", "MONTH", "LATER"]) await allocate(event);
    await coins.redeem({ userId: user, coins: "130", requestId: "x1" });
    clock.advance({ days: 1 });

    const check = async (label: string) => {
      const all = await everyLot(world, user);
      const closed = all.find((lot) => units(lot.remaining) === 0n);
      const instants = [
        clock.ms,
        clock.ms - DAY,
        clock.ms + HOUR,
        start + 3 * DAY,
        start + 8 * DAY,
      ];
      for (const at of [...instants, start + 40 * DAY]) {
        for (const spend of [undefined, "1", "100", "199", "200", "260", "100000"]) {
          for (const lotIds of [[], closed === undefined ? [] : [closed.id]]) {
            const reads = { at, ...(spend === undefined ? {} : { spend }), lotIds };
            const snapshot = await load(world, user, reads);
            const where = `${label}: at +${(at - start) / HOUR}h, spend ${spend}, ids [${lotIds}]`;
            expect(
              snapshot.lots.map((lot) => lot.id),
              where,
            ).toEqual(
              expectedIds(all, { usageKeys: [], requestIds: [], ...reads }, snapshot.totals.asOf),
            );
            const byId = new Map(all.map((lot) => [lot.id, lot]));
            for (const lot of snapshot.lots) expect(lot, where).toEqual(byId.get(lot.id));
            expectTotals(snapshot, all, where);
          }
        }
      }
    };
    await check("after allocations and a redemption");

    // A sweep up to an earlier instant leaves lots past their expiry open: they are due at once.
    clock.set(start + 8 * DAY);
    await coins.expire({ before: new Date(start + 7 * DAY + HOUR) });
    await check("after a partial sweep");
    const swept = await load(world, user, { at: clock.ms });
    expect(swept.totals.nextChangeAt as number).toBeLessThanOrEqual(swept.totals.asOf);

    await coins.reverse({ requestId: "v1", of: "x1" });
    await coins.reverse({ requestId: "v2", of: "a3", coins: "10" });
    await check("after reversals");
  });
}
