/**
 * `feed({ after, limit, partition })`: the program's change feed. Every
 * committed entry of every account appears exactly once, in an order that
 * keeps each account's `seq` order, with a cursor that stays valid in a new
 * engine over the same store. A store without `readFeed` refuses the call
 * with `INVALID_INPUT` at `store`: each test then asserts that, and only that.
 *
 * A store may hold back entries while older writes are still in flight
 * (Postgres reads only below the oldest running transaction, and other test
 * files may hold one for a moment): reads that expect entries poll until
 * they arrive, with a deadline.
 */
import type { Coinage, FeedEntry, FeedOptions, HistoryEntry, Store } from "@coinage/core";
import { expect, it } from "vitest";
import { allHistory, expectCode, fixed, newWorld, type StoreRef, storeOf } from "../harness.js";

const SETTLE_MS = 15_000;

/** `true` when the store has no feed, after asserting that `feed()` refuses at `store`. */
async function refusedWithoutFeed(store: Store, coins: Coinage): Promise<boolean> {
  if (typeof store.readFeed === "function") return false;
  const error = await expectCode(coins.feed(), "INVALID_INPUT");
  expect((error.details.issues as { path: string }[])[0]?.path).toBe("store");
  return true;
}

/** Every page from `after` until a page comes back empty; the entries and the last cursor. */
async function drain(
  coins: Coinage,
  options: FeedOptions = {},
): Promise<{ items: FeedEntry[]; cursor: string | null }> {
  const items: FeedEntry[] = [];
  let cursor = options.after ?? null;
  for (let page = 0; page < 10_000; page++) {
    const result = await coins.feed({ ...options, after: cursor });
    if (options.limit !== undefined) expect(result.items.length).toBeLessThanOrEqual(options.limit);
    expect(result.nextCursor === null && cursor !== null, "the cursor never goes back").toBe(false);
    items.push(...result.items);
    if (result.items.length === 0) {
      if (result.nextCursor === cursor) return { items, cursor };
    }
    cursor = result.nextCursor;
  }
  throw new Error("feed paging did not end");
}

/** `drain`, polled until at least `count` entries came (a store may hold some back for a moment). */
async function settle(
  coins: Coinage,
  count: number,
  options: FeedOptions = {},
): Promise<{ items: FeedEntry[]; cursor: string | null }> {
  const deadline = Date.now() + SETTLE_MS;
  const items: FeedEntry[] = [];
  let cursor = options.after ?? null;
  for (;;) {
    const next = await drain(coins, { ...options, after: cursor });
    items.push(...next.items);
    cursor = next.cursor;
    if (items.length >= count || Date.now() > deadline) return { items, cursor };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A feed entry as the history shows it (without its user and position). */
function asHistory(item: FeedEntry): HistoryEntry {
  const { userId: _userId, position: _position, ...entry } = item;
  return entry;
}

/** Each user's entries as history shows them, oldest first. */
async function histories(coins: Coinage, users: readonly string[]) {
  const out: Record<string, HistoryEntry[]> = Object.create(null);
  for (const userId of users) out[userId] = (await allHistory(coins, userId)).reverse();
  return out;
}

function byUser(items: readonly FeedEntry[]): Record<string, HistoryEntry[]> {
  const out: Record<string, HistoryEntry[]> = Object.create(null);
  for (const item of items) {
    const list = out[item.userId] ?? [];
    list.push(asHistory(item));
    out[item.userId] = list;
  }
  return out;
}

/** A few users with every kind of entry; answers the users and the number of entries. */
async function activity(coins: Coinage, clock: { advance(by: { days: number }): void }) {
  await coins.events.create(fixed("BUY", "10"));
  await coins.events.create(fixed("SHORT", "5", { expiry: { days: 1 } }));
  await coins.allocate({ userId: "ann", event: "BUY", requestId: "a1" });
  await coins.allocate({ userId: "bo", event: "BUY", requestId: "b1" });
  await coins.redeem({ userId: "ann", coins: "4", requestId: "a2" });
  await coins.reverse({ requestId: "b2", of: "b1" });
  await coins.allocate({ userId: "cy", event: "SHORT", requestId: "c1" });
  await coins.allocateMany([
    { userId: "dee", event: "BUY", requestId: "d1" },
    { userId: "__proto__", event: "BUY", requestId: "p1" },
    { userId: "ann", event: "BUY", requestId: "a3" },
  ]);
  await coins.adjust({ userId: "bo", coins: "3", requestId: "b3", reason: "goodwill" });
  await coins.reverse({ requestId: "a4", of: "a2" });
  clock.advance({ days: 2 });
  await coins.expire();
  // ann: earn, redeem, earn, restore; bo: earn, reverse, adjust; cy: earn, expire; dee, __proto__: earn.
  return { users: ["ann", "bo", "cy", "dee", "__proto__"], count: 11 };
}

export function feedSuite(ref: StoreRef): void {
  it("feed - should list every committed entry of the program exactly once, as each history has it", async () => {
    const store = storeOf(ref);
    const { coins, clock } = newWorld(store);
    if (await refusedWithoutFeed(store, coins)) return;
    const { users, count } = await activity(coins, clock);
    const { items, cursor } = await settle(coins, count);
    expect(items).toHaveLength(count);
    expect(new Set(items.map((item) => item.position)).size).toBe(count);
    expect(cursor).toBe(items[items.length - 1]?.position);
    // Per account: exactly its history, oldest first (so in seq order).
    expect(byUser(items)).toEqual(await histories(coins, users));
    expect(items.map((item) => item.type).sort()).toEqual(
      [
        "earn",
        "redeem",
        "earn",
        "restore",
        "earn",
        "reverse",
        "adjust",
        "earn",
        "expire",
        "earn",
        "earn",
      ].sort(),
    );
    const cy = items.filter((item) => item.userId === "cy");
    expect(cy.map((item) => [item.type, item.coins])).toEqual([
      ["earn", "5"],
      ["expire", "-5"],
    ]);
  });

  it("feed - should page with small limits through every entry, with no duplicate and no gap", async () => {
    const store = storeOf(ref);
    const { coins, clock } = newWorld(store);
    if (await refusedWithoutFeed(store, coins)) return;
    const { count } = await activity(coins, clock);
    const whole = (await settle(coins, count, { limit: 1000 })).items;
    expect(whole).toHaveLength(count);
    for (const limit of [1, 2, 3, 7]) {
      const paged = await drain(coins, { limit });
      expect(paged.items, `limit ${limit}`).toEqual(whole);
      expect(paged.cursor).toBe(whole[whole.length - 1]?.position);
    }
  });

  it("feed - should continue from a cursor in a new engine, and answer nothing new with the same cursor", async () => {
    const store = storeOf(ref);
    const first = newWorld(store);
    if (await refusedWithoutFeed(store, first.coins)) return;
    expect(await first.coins.feed()).toEqual({ items: [], nextCursor: null });
    await first.coins.events.create(fixed("BUY", "10"));
    await first.coins.allocate({ userId: "u1", event: "BUY", requestId: "r1" });
    await first.coins.allocate({ userId: "u2", event: "BUY", requestId: "r2" });
    const seen = await settle(first.coins, 2, { limit: 1 });
    expect(seen.items.map((item) => item.userId)).toEqual(["u1", "u2"]);
    const cursor = seen.cursor as string;
    expect(await first.coins.feed({ after: cursor })).toEqual({ items: [], nextCursor: cursor });

    // Another engine over the same store and program: a restart.
    const again = newWorld(store, { id: first.programId });
    expect(await again.coins.feed({ after: cursor, limit: 5 })).toEqual({
      items: [],
      nextCursor: cursor,
    });
    await again.coins.redeem({ userId: "u1", coins: "3", requestId: "r3" });
    await again.coins.allocate({ userId: "u3", event: "BUY", requestId: "r4" });
    const later = await settle(again.coins, 2, { after: cursor });
    expect(later.items.map((item) => [item.userId, item.type, item.coins])).toEqual([
      ["u1", "redeem", "-3"],
      ["u3", "earn", "10"],
    ]);
    const everything = await drain(first.coins);
    expect(everything.items).toEqual([...seen.items, ...later.items]);
  });

  it("feed - should split between two partitions, disjoint and together the whole feed", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    if (await refusedWithoutFeed(store, coins)) return;
    await coins.events.create(fixed("BUY", "10"));
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    for (const [i, userId] of users.entries()) {
      await coins.allocate({ userId, event: "BUY", requestId: `e${i}` });
      if (i % 3 === 0) await coins.redeem({ userId, coins: "2", requestId: `s${i}` });
    }
    const count = users.length + 4;
    const whole = (await settle(coins, count)).items;
    expect(whole).toHaveLength(count);
    const parts = [];
    for (const index of [0, 1]) {
      const part = await drain(coins, { limit: 2, partition: { index, count: 2 } });
      // Each part keeps the feed's order.
      const positions = new Set(part.items.map((item) => item.position));
      expect(part.items).toEqual(whole.filter((item) => positions.has(item.position)));
      // The cursor moved past every entry, the other partition's included.
      expect(part.cursor).toBe(whole[whole.length - 1]?.position);
      parts.push(part.items);
    }
    const [zero = [], one = []] = parts;
    expect(zero.length + one.length).toBe(count);
    const usersOf = (items: readonly FeedEntry[]) => new Set(items.map((item) => item.userId));
    const [zeroUsers, oneUsers] = [usersOf(zero), usersOf(one)];
    for (const userId of zeroUsers) expect(oneUsers.has(userId), userId).toBe(false);
    expect(zeroUsers.size + oneUsers.size).toBe(users.length);
    expect(zeroUsers.size, "a hash that splits 12 users").toBeGreaterThan(0);
    expect(oneUsers.size, "a hash that splits 12 users").toBeGreaterThan(0);
    // One partition of one is the whole feed.
    expect((await drain(coins, { partition: { index: 0, count: 1 } })).items).toEqual(whole);
  });

  it("feed - should never show another program's entries, nor anything of a failed command", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    if (await refusedWithoutFeed(store, coins)) return;
    const other = newWorld(store);
    await other.coins.events.create(fixed("BUY", "10"));
    await other.coins.allocate({ userId: "u1", event: "BUY", requestId: "o1" });
    await coins.events.create(fixed("BUY", "10"));
    await coins.allocate({ userId: "u1", event: "BUY", requestId: "m1" });
    await expectCode(
      coins.redeem({ userId: "u1", coins: "50", requestId: "m2" }),
      "INSUFFICIENT_COINS",
    );
    await expectCode(
      coins.redeem({ userId: "u2", coins: "1", requestId: "m3" }),
      "INSUFFICIENT_COINS",
    );
    await coins.redeem({ userId: "u1", coins: "1", requestId: "m4" });
    const mine = await settle(coins, 2);
    expect(mine.items.map((item) => [item.userId, item.requestId])).toEqual([
      ["u1", "m1"],
      ["u1", "m4"],
    ]);
    const theirs = await settle(other.coins, 1);
    expect(theirs.items.map((item) => item.requestId)).toEqual(["o1"]);
    // Nothing more comes later either.
    expect(await coins.feed({ after: mine.cursor })).toEqual({
      items: [],
      nextCursor: mine.cursor,
    });
  });

  it("feed - should reject bad options with INVALID_INPUT at their path", async () => {
    const store = storeOf(ref);
    const { coins } = newWorld(store);
    if (await refusedWithoutFeed(store, coins)) return;
    const pathOf = async (options: unknown) => {
      const error = await expectCode(coins.feed(options as FeedOptions), "INVALID_INPUT");
      return (error.details.issues as { path: string }[])[0]?.path;
    };
    expect(await pathOf({ limit: 0 })).toBe("limit");
    expect(await pathOf({ limit: 1001 })).toBe("limit");
    expect(await pathOf({ limit: 1.5 })).toBe("limit");
    expect(await pathOf({ after: "" })).toBe("after");
    expect(await pathOf({ after: 12 })).toBe("after");
    expect(await pathOf({ after: "x".repeat(401) })).toBe("after");
    expect(await pathOf({ after: "not a cursor" })).toBe("after");
    expect(await pathOf({ partition: { index: 0, count: 0 } })).toBe("partition.count");
    expect(await pathOf({ partition: { index: 0, count: 65 } })).toBe("partition.count");
    expect(await pathOf({ partition: { index: 2, count: 2 } })).toBe("partition.index");
    expect(await pathOf({ partition: { index: -1, count: 2 } })).toBe("partition.index");
    expect(await pathOf({ partition: "0/2" })).toBe("partition");
    expect(await coins.feed({ limit: 1000, partition: { index: 1, count: 64 } })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
}
