/**
 * Erasure on the server: the append-only guard of coinage_entries lets
 * through only the update an erasure makes (user id moved, reason dropped,
 * with `coinage.erasure` on), and an erasure inside a caller's transaction
 * is undone by its rollback.
 */
import { type Coinage, createCoinage } from "@coinage/core";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, serverFixture, skipServerTests } from "./support/server.js";

const skipServer = await skipServerTests("erasure.test.ts");

const clock = { now: () => new Date("2026-03-15T12:00:00Z") };

describe.skipIf(skipServer)("erasure on the server", () => {
  let fixture: Fixture & { pool: pg.Pool; schema: string };
  let coins: Coinage;
  beforeAll(async () => {
    fixture = await serverFixture({ max: 4 });
    coins = createCoinage({ store: fixture.store, program: { id: "gdpr", coinValue: "1" }, clock });
    await coins.events.create({ id: "BUY", name: "Buy", reward: { kind: "fixed", coins: "10" } });
    await coins.allocate({ userId: "kim", event: "BUY", requestId: "k1", reason: "Kim's order" });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  /** Runs `sql` in a transaction with the erasure setting as given, always rolled back. */
  async function tryUpdate(sql: string, erasure: "on" | "off"): Promise<string | null> {
    const client = await fixture.pool.connect();
    try {
      await client.query(`SET search_path TO "${fixture.schema}"`);
      await client.query("BEGIN");
      await client.query("SELECT set_config('coinage.erasure', $1, true)", [erasure]);
      await client.query(sql);
      return null;
    } catch (error) {
      return (error as { code?: string }).code ?? "error";
    } finally {
      await client.query("ROLLBACK").catch(() => {});
      await client.query("RESET search_path").catch(() => {});
      client.release();
    }
  }

  it("the append-only guard refuses every change but an erasure's", async () => {
    const move = "UPDATE coinage_entries SET user_id = 'x', reason = NULL WHERE user_id = 'kim'";
    expect(await tryUpdate(move, "off")).toBe("23001");
    expect(await tryUpdate(move, "on")).toBeNull();
    expect(
      await tryUpdate(
        "UPDATE coinage_entries SET coins = 0, reason = NULL WHERE user_id = 'kim'",
        "on",
      ),
    ).toBe("23001");
    expect(
      await tryUpdate("UPDATE coinage_entries SET user_id = 'x' WHERE user_id = 'kim'", "on"),
    ).toBe("23001");
    expect(await tryUpdate("DELETE FROM coinage_entries WHERE user_id = 'kim'", "on")).toBe(
      "23001",
    );
  });

  it("an erasure inside a caller's transaction is undone by its rollback, kept by its commit", async () => {
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      const erased = await coins.withTransaction(client).erase("kim");
      expect(erased.forfeited).toBe("10");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect((await coins.balance("kim")).available).toBe("10");
    expect((await coins.request("k1")).userId).toBe("kim");

    const again = await fixture.pool.connect();
    let pseudonym: string;
    try {
      await again.query("BEGIN");
      pseudonym = (await coins.withTransaction(again).erase("kim")).pseudonym;
      await again.query("COMMIT");
    } finally {
      again.release();
    }
    expect((await coins.balance("kim")).available).toBe("0");
    expect((await coins.request("k1")).userId).toBe(pseudonym);
    const rows = await fixture.sql(
      "SELECT count(*)::int AS n FROM coinage_entries WHERE user_id = 'kim' OR reason LIKE '%Kim%'",
    );
    expect(rows[0]?.n).toBe(0);
  });
});
