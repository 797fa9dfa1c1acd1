/**
 * The change feed on the server: entries are read only below the oldest
 * transaction still in flight, so one written in a caller's open transaction
 * holds back every entry committed after it began (a reader never passes a
 * position a later commit could fill), appears once the caller commits, and
 * never when it rolls back.
 */
import { type Coinage, createCoinage, type FeedEntry } from "@coinage/core";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, pgliteFixture, serverFixture, skipServerTests } from "./support/server.js";

const skipServer = await skipServerTests("feed.test.ts");

const PROGRAM = { id: "shop", coinValue: "1" } as const;
const clock = { now: () => new Date("2026-03-15T12:00:00Z") };

describe.skipIf(skipServer)("feed on the server - the xmin barrier", () => {
  let fixture: Fixture & { pool: pg.Pool; schema: string };
  let coins: Coinage;
  beforeAll(async () => {
    fixture = await serverFixture({ max: 8 });
    coins = createCoinage({ store: fixture.store, program: PROGRAM, clock });
    await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  /**
   * Pages from `after` until one is empty. Other test files may hold a
   * transaction open on the server for a moment (it holds the feed back
   * too): with `want`, poll until that many entries came.
   */
  async function read(after: string | null, want = 0) {
    const deadline = Date.now() + 15_000;
    const items: FeedEntry[] = [];
    let cursor = after;
    for (;;) {
      const page = await coins.feed({ after: cursor, limit: 2 });
      items.push(...page.items);
      cursor = page.nextCursor;
      if (page.items.length > 0) continue;
      if (items.length >= want || Date.now() > deadline) return { items, cursor };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const who = (items: readonly FeedEntry[]) => items.map((item) => item.requestId);

  it("an entry in an open transaction holds back the later commits, then both come in transaction order", async () => {
    await coins.allocate({ userId: "u0", event: "BUY", requestId: "before" });
    const start = await read(null, 1);
    expect(who(start.items)).toEqual(["before"]);

    const a = await fixture.pool.connect();
    try {
      await a.query("BEGIN");
      await coins.withTransaction(a).allocate({ userId: "u1", event: "BUY", requestId: "in-a" });
      // Committed after A began: its transaction id is above A's.
      await coins.allocate({ userId: "u2", event: "BUY", requestId: "after-a" });
      expect((await coins.balance("u2")).available).toBe("10");
      const held = await coins.feed({ after: start.cursor });
      expect(held).toEqual({ items: [], nextCursor: start.cursor });
      await a.query("COMMIT");
    } finally {
      a.release();
    }
    const next = await read(start.cursor, 2);
    expect(who(next.items)).toEqual(["in-a", "after-a"]);
    expect(next.items.map((item) => item.userId)).toEqual(["u1", "u2"]);
    // Read again from the start: the same feed, nothing moved before a passed position.
    expect(who((await read(null, 3)).items)).toEqual(["before", "in-a", "after-a"]);
  });

  it("a transaction that took its id before another wrote the same account keeps the account's seq order", async () => {
    const start = await read(null, 3);
    const a = await fixture.pool.connect();
    try {
      await a.query("BEGIN");
      // A takes its transaction id now (the caller's own write would, too).
      const [{ xid }] = (await a.query("SELECT pg_current_xact_id()::text AS xid")).rows;
      // Another transaction, with a later id, commits to the account first.
      await coins.allocate({ userId: "same", event: "BUY", requestId: "same-1" });
      await coins
        .withTransaction(a)
        .allocate({ userId: "same", event: "BUY", requestId: "same-2" });
      await a.query("COMMIT");
      const rows = await fixture.sql(
        "SELECT seq::int AS seq, tx::text AS tx FROM coinage_entries WHERE user_id = 'same' ORDER BY seq",
      );
      // The second entry's place is the first's: A's own id is lower.
      expect(BigInt(rows[0]?.tx as string)).toBeGreaterThan(BigInt(xid));
      expect(rows[1]?.tx).toBe(rows[0]?.tx);
    } finally {
      a.release();
    }
    const next = await read(start.cursor, 2);
    expect(next.items.map((item) => [item.requestId, item.seq])).toEqual([
      ["same-1", 1],
      ["same-2", 2],
    ]);
  });

  it("an entry of a transaction rolled back never appears", async () => {
    const start = await read(null, 5);
    const b = await fixture.pool.connect();
    try {
      await b.query("BEGIN");
      await coins.withTransaction(b).allocate({ userId: "u3", event: "BUY", requestId: "in-b" });
      await coins.allocate({ userId: "u4", event: "BUY", requestId: "beside-b" });
      expect((await coins.feed({ after: start.cursor })).items).toEqual([]);
      await b.query("ROLLBACK");
    } finally {
      b.release();
    }
    const next = await read(start.cursor, 1);
    expect(who(next.items)).toEqual(["beside-b"]);
    await coins.allocate({ userId: "u5", event: "BUY", requestId: "later" });
    expect(who((await read(next.cursor, 1)).items)).toEqual(["later"]);
    expect((await fixture.sql("SELECT count(*)::int AS n FROM coinage_entries"))[0]).toEqual({
      n: 7,
    });
  });

  it("entries written before the feed existed (tx 0) come first, and a page reads the feed index", async () => {
    await fixture.sql(
      `INSERT INTO coinage_entries (program_id, user_id, seq, type, coins, balance_after, debt_after, at, tx)
       VALUES ('legacy', 'old', 1, 'adjust', 5, 5, 0, 0, '0'::xid8)`,
    );
    const legacy = createCoinage({
      store: fixture.store,
      program: { id: "legacy", coinValue: "1" },
      clock,
    });
    await legacy.adjust({ userId: "new", coins: "2", requestId: "n1", reason: "test" });
    await legacy.adjust({ userId: "aaa", coins: "3", requestId: "a1", reason: "test" });
    const deadline = Date.now() + 15_000;
    let page = await legacy.feed();
    while (page.items.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await legacy.feed();
    }
    expect(page.items.map((item) => [item.userId, item.type, item.coins])).toEqual([
      ["old", "adjust", "5"],
      ["new", "adjust", "2"],
      ["aaa", "adjust", "3"],
    ]);
    expect(page.items[0]?.position).toBe("0:1:old");

    const client = await fixture.pool.connect();
    try {
      await client.query(`SET search_path TO "${fixture.schema}"`);
      await client.query("SET enable_seqscan = off");
      const plan = await client.query(
        `EXPLAIN (FORMAT JSON) SELECT * FROM coinage_entries e
         WHERE e.program_id = 'shop' AND (e.tx, e.user_id, e.seq) > ('0'::xid8, '', 0)
           AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY e.tx, e.user_id, e.seq LIMIT 10`,
      );
      const text = JSON.stringify(plan.rows);
      expect(text).toContain("coinage_entries_feed");
      expect(text).not.toContain('"Sort"');
    } finally {
      await client.query("RESET ALL").catch(() => {});
      client.release();
    }
  });
});

describe("feed on PGlite - cursors", () => {
  it("a position is tx:seq:userId, the user id any string; a malformed one is INVALID_INPUT at after", async () => {
    const fixture = await pgliteFixture();
    try {
      const coins = createCoinage({ store: fixture.store, program: PROGRAM, clock });
      await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "1" } });
      for (const userId of ["a:b", "é 😀", "x:1:2"])
        await coins.allocate({ userId, event: "BUY", requestId: `r-${userId}` });
      const page = await coins.feed();
      expect(page.items.map((item) => item.userId).sort()).toEqual(["a:b", "x:1:2", "é 😀"]);
      for (const item of page.items) {
        expect(item.position).toMatch(/^[1-9]\d*:1:/);
        expect(item.position.endsWith(`:${item.userId}`)).toBe(true);
        // Each position continues right after its item.
        const rest = await coins.feed({ after: item.position });
        expect(rest.items).toEqual(page.items.slice(page.items.indexOf(item) + 1));
      }
      for (const after of [
        "nope",
        "1:0:u",
        "01:1:u",
        "1:1:",
        "18446744073709551616:1:u",
        "1:1:a\u0000b",
        "1:1:\uD800",
      ]) {
        await expect(coins.feed({ after }), after).rejects.toMatchObject({
          code: "INVALID_INPUT",
          details: { issues: [{ path: "after" }] },
        });
      }
    } finally {
      await fixture.close();
    }
  });
});
