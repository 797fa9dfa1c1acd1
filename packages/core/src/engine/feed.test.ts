/**
 * `feed()` over a store stub: the partition hash, the paging loop (several
 * store pages for a partition, a cursor past skipped entries), and what it
 * refuses.
 */
import { describe, expect, it } from "vitest";
import type { Entry } from "../ledger/types.js";
import type { FeedItem, Store } from "../store.js";
import { createCoinage } from "./create.js";
import { feedPartition } from "./feed.js";

const program = { id: "p", coinValue: "1" };

function entry(seq: number): Entry {
  return {
    seq,
    type: "earn",
    coins: "1",
    balanceAfter: String(seq),
    debtAfter: "0",
    requestId: `r${seq}`,
    lots: [],
    eventId: "E",
    at: 0,
    reason: null,
  };
}

/** A store with a fixed feed (positions are indexes), recording the pages asked. */
function feedStore(users: readonly string[], withFeed = true) {
  const unused = () => Promise.reject(new Error("not used by this test"));
  const asked: { after?: string; limit: number }[] = [];
  const feed: FeedItem[] = users.map((userId, i) => ({
    position: String(i),
    userId,
    entry: entry(i + 1),
  }));
  const store: Store = {
    name: "stub",
    insertEvent: unused,
    replaceEvent: unused,
    getEvent: unused,
    listEvents: unused,
    findRequest: unused,
    loadAccount: unused,
    execute: unused,
    history: unused,
    findExpiring: unused,
    getBudgetUsed: unused,
    ...(withFeed
      ? {
          async readFeed(_programId: string, page: { after?: string; limit: number }) {
            asked.push(page);
            const start = page.after === undefined ? 0 : Number(page.after) + 1;
            const items = feed.slice(start, start + page.limit);
            return { items, next: items.at(-1)?.position ?? page.after ?? null };
          },
        }
      : {}),
  };
  return { store, asked };
}

describe("feedPartition", () => {
  it("is FNV-1a 32 over UTF-16 code units, modulo count", () => {
    expect(feedPartition("", 2 ** 32)).toBe(0x811c9dc5);
    expect(feedPartition("a", 2 ** 32)).toBe(0xe40c292c);
    expect(feedPartition("foobar", 2 ** 32)).toBe(0xbf9cf968);
    expect(feedPartition("foobar", 7)).toBe(0xbf9cf968 % 7);
    for (const id of ["u1", "ü", "😀", "__proto__"]) {
      expect(feedPartition(id, 1)).toBe(0);
      expect(feedPartition(id, 64)).toBeLessThan(64);
    }
  });
});

describe("coins.feed", () => {
  it("formats entries with their user and position, and answers the same cursor when nothing is new", async () => {
    const { store } = feedStore(["a", "b"]);
    const coins = createCoinage({ store, program });
    const page = await coins.feed({ limit: 5 });
    expect(page.items.map((item) => [item.userId, item.position, item.seq, item.event])).toEqual([
      ["a", "0", 1, "E"],
      ["b", "1", 2, "E"],
    ]);
    expect(page.nextCursor).toBe("1");
    expect(await coins.feed({ after: "1" })).toEqual({ items: [], nextCursor: "1" });
    expect(await createCoinage({ store: feedStore([]).store, program }).feed()).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("reads further store pages for a partition, and the cursor passes skipped entries", async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const { store, asked } = feedStore(users);
    const coins = createCoinage({ store, program });
    const mine = users.filter((id) => feedPartition(id, 4) === 1);
    const first = await coins.feed({ limit: 2, partition: { index: 1, count: 4 } });
    expect(first.items.map((item) => item.userId)).toEqual(mine.slice(0, 2));
    expect(first.nextCursor).toBe(first.items[1]?.position);
    expect(asked[0]).toEqual({ limit: 8 });
    const rest = await coins.feed({
      after: first.nextCursor,
      limit: 1000,
      partition: { index: 1, count: 4 },
    });
    expect(rest.items.map((item) => item.userId)).toEqual(mine.slice(2));
    // Past the last entry of the feed, another partition's included.
    expect(rest.nextCursor).toBe("39");
  });

  it("refuses a store without readFeed, and bad options, with INVALID_INPUT at their path", async () => {
    const none = createCoinage({ store: feedStore([], false).store, program });
    await expect(none.feed()).rejects.toMatchObject({
      code: "INVALID_INPUT",
      details: { issues: [{ path: "store" }] },
    });
    const coins = createCoinage({ store: feedStore([]).store, program });
    for (const [options, path] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 1001 }, "limit"],
      [{ after: "" }, "after"],
      [{ after: "x".repeat(401) }, "after"],
      [{ partition: { index: 0, count: 65 } }, "partition.count"],
      [{ partition: { index: 1, count: 1 } }, "partition.index"],
      [{ partition: { index: 0.5, count: 2 } }, "partition.index"],
      ["nope", "options"],
    ] as const) {
      await expect(coins.feed(options as never), JSON.stringify(options)).rejects.toMatchObject({
        code: "INVALID_INPUT",
        details: { issues: [{ path }] },
      });
    }
  });
});
