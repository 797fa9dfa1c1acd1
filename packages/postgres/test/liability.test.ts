/**
 * Liability totals on the server: commits append delta rows (no commit waits
 * on another's tally), a read folds them into the program's base row once
 * they pass a threshold, the migration gives programs that had data a base
 * row, and a caller's rolled-back transaction leaves the totals as they were.
 */
import { type Coinage, createCoinage } from "@coinage/core";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, serverFixture, skipServerTests } from "./support/server.js";

const skipServer = await skipServerTests("liability.test.ts");

const clock = { now: () => new Date("2026-03-15T12:00:00Z") };

describe.skipIf(skipServer)("liability on the server", () => {
  let fixture: Fixture & { pool: pg.Pool; schema: string };
  let coins: Coinage;
  beforeAll(async () => {
    fixture = await serverFixture({ max: 4 });
    coins = createCoinage({
      store: fixture.store,
      program: { id: "books", coinValue: "0.5" },
      clock,
    });
    await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const deltas = async () =>
    Number(
      (
        await fixture.sql(
          "SELECT count(*)::int AS n FROM coinage_tally_deltas WHERE program_id = $1",
          ["books"],
        )
      )[0]?.n,
    );

  it("appends one delta row per commit and folds them into the base row past the threshold", async () => {
    for (let i = 0; i < 5; i++)
      await coins.allocate({ userId: `u${i % 2}`, event: "BUY", requestId: `a${i}` });
    await coins.redeem({ userId: "u0", coins: "7", requestId: "r1" });
    expect(await deltas()).toBe(6);
    const before = await coins.liability();
    expect(before).toMatchObject({ earned: "50", redeemed: "7", available: "43", value: "21.5" });

    // Past the threshold (2,000 rows): pad with empty deltas, as many commits would leave.
    await fixture.sql(
      `INSERT INTO coinage_tally_deltas (program_id, earned, redeemed, expired, reversed, restored,
         adjusted, open_coins, debt)
       SELECT $1, 0, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(1, 2001)`,
      ["books"],
    );
    expect(await coins.liability()).toEqual(before);
    expect(await deltas()).toBe(0);
    const [base] = await fixture.sql(
      "SELECT earned::text, redeemed::text, open_coins::text FROM coinage_tallies WHERE program_id = $1",
      ["books"],
    );
    expect(base).toEqual({ earned: "50", redeemed: "7", open_coins: "43" });
    await coins.allocate({ userId: "u3", event: "BUY", requestId: "a9" });
    expect(await deltas()).toBe(1);
    expect((await coins.liability()).earned).toBe("60");
  });

  it("counts a caller's transaction only when it commits", async () => {
    const start = await coins.liability();
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      await coins
        .withTransaction(client)
        .allocate({ userId: "t1", event: "BUY", requestId: "t-a" });
      // Inside the caller's transaction, its own commit counts already.
      expect((await coins.withTransaction(client).liability()).earned).toBe(
        String(Number(start.earned) + 10),
      );
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await coins.liability()).toEqual(start);
  });
});
