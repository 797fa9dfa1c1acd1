/**
 * The SQL files, the generated module that ships them, and `migrate`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrations, postgresStore } from "../src/index.js";
import { ident, newPool, serverFixture, skipServerTests, uniqueSchema } from "./support/server.js";

const skipServer = await skipServerTests("migrations.test.ts");
const dir = new URL("../migrations/", import.meta.url);
// @ts-expect-error -- a plain .mjs script without types
const { renderMigrations } = (await import("../scripts/generate-migrations.mjs")) as {
  renderMigrations(dir?: string): string;
};

describe("migration files", () => {
  it("migrations.generated.ts - should match the .sql files (run scripts/generate-migrations.mjs)", () => {
    const generated = readFileSync(
      new URL("../src/migrations.generated.ts", import.meta.url),
      "utf8",
    );
    expect(generated).toBe(renderMigrations());
    const files = readdirSync(dir)
      .filter((name) => name.endsWith(".sql"))
      .sort();
    expect(migrations.map((m) => `${m.name}.sql`)).toEqual(files);
    for (const migration of migrations) {
      expect(migration.sql).toBe(
        readFileSync(new URL(`${migration.name}.sql`, dir), "utf8").replace(/\r\n/g, "\n"),
      );
    }
  });

  it("versions - should be 1, 2, 3, … in file order", () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });
});

describe("migrate on PGlite", () => {
  it("migrate - should apply every migration once, then nothing", async () => {
    const db = new PGlite();
    try {
      expect(await migrate(db)).toEqual({ applied: migrations.map((m) => m.name) });
      expect(await migrate(db)).toEqual({ applied: [] });
      const { rows } = await db.query<{ version: number }>(
        "SELECT version FROM coinage_migrations ORDER BY version",
      );
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    } finally {
      await db.close();
    }
  });

  it("the SQL files - should apply with a plain tool, twice, and then let migrate record them", async () => {
    const db = new PGlite();
    try {
      for (let round = 0; round < 2; round++) {
        for (const migration of migrations) await db.exec(migration.sql);
      }
      // Tables made by another tool: migrate records the (idempotent) files without harm.
      expect((await migrate(db)).applied).toHaveLength(migrations.length);
    } finally {
      await db.close();
    }
  });

  it("0002 - lots stored before it read 0 coins expired and 0 shortfall", async () => {
    const db = new PGlite();
    try {
      await db.exec((migrations[0] as (typeof migrations)[number]).sql);
      await db.exec(
        `INSERT INTO coinage_accounts (program_id, user_id, version, next_lot_id, next_entry_seq)
         VALUES ('p', 'u', 1, 2, 1);
         INSERT INTO coinage_lots (program_id, user_id, id, coins, remaining, earned_at, available_at)
         VALUES ('p', 'u', 1, 100, 40, 1, 1)`,
      );
      await migrate(db);
      const snapshot = await postgresStore({ pool: db }).loadAccount("p", "u", {
        at: 1,
        usageKeys: [],
        requestIds: [],
        lotIds: [1],
      });
      expect(snapshot.lots).toMatchObject([
        { id: 1, coins: "100", remaining: "40", expired: "0", shortfall: "0" },
      ]);
      await expect(
        db.exec("UPDATE coinage_lots SET shortfall = -1 WHERE program_id = 'p'"),
      ).rejects.toThrow(/coinage_lots_shortfall_range/);
      await expect(
        db.exec("UPDATE coinage_lots SET expired = 101 WHERE program_id = 'p'"),
      ).rejects.toThrow(/coinage_lots_expired_range/);
    } finally {
      await db.close();
    }
  });

  it("0003 - accounts written before it get their totals from their open lots", async () => {
    const db = new PGlite();
    try {
      for (const migration of migrations.slice(0, 2)) await db.exec(migration.sql);
      const now = Date.now();
      const day = 86_400_000;
      await db.exec(
        `INSERT INTO coinage_accounts (program_id, user_id, version, next_lot_id, next_entry_seq)
         VALUES ('p', 'u', 4, 5, 1), ('p', 'empty', 1, 2, 1);
         INSERT INTO coinage_lots (program_id, user_id, id, coins, remaining, earned_at, available_at, expires_at)
         VALUES ('p', 'u', 1, 100, 40, 1, 1, NULL),
                ('p', 'u', 2, 10, 10, 1, 1, ${now - day}),
                ('p', 'u', 3, 7, 7, 1, ${now + 2 * day}, ${now + 9 * day}),
                ('p', 'u', 4, 5, 0, 1, 1, ${now + day}),
                ('p', 'empty', 1, 3, 0, 1, 1, NULL)`,
      );
      await migrate(db);
      const { rows } = await db.query<Record<string, string | null>>(
        `SELECT user_id, open_coins::text AS open, pending_coins::text AS pending,
           totals_as_of::text AS as_of, next_change_at::text AS next
         FROM coinage_accounts ORDER BY user_id`,
      );
      const [empty, u] = rows;
      expect(empty).toEqual({ user_id: "empty", open: "0", pending: "0", as_of: "0", next: null });
      // Open: 40 + 10 (expired, not swept) + 7 (pending); lot 4 is closed.
      expect(u).toMatchObject({
        user_id: "u",
        open: "57",
        pending: "7",
        next: String(now + 2 * day),
      });
      expect(Math.abs(Number(u?.as_of) - Date.now())).toBeLessThan(60_000);
      const snapshot = await postgresStore({ pool: db }).loadAccount("p", "u", {
        at: Number(u?.as_of),
        usageKeys: [],
        requestIds: [],
        lotIds: [],
      });
      expect(snapshot.totals).toEqual({
        open: "57",
        pending: "7",
        asOf: Number(u?.as_of),
        nextChangeAt: now + 2 * day,
      });
      // The due lot and the next activation, nothing else.
      expect(snapshot.lots.map((lot) => lot.id)).toEqual([2, 3]);
    } finally {
      await db.close();
    }
  });

  it("0004 - entries written before it read tx 0 and come first in the feed, new ones after", async () => {
    const db = new PGlite();
    try {
      for (const migration of migrations.slice(0, 3)) await db.exec(migration.sql);
      await db.exec(
        `INSERT INTO coinage_entries (program_id, user_id, seq, type, coins, balance_after, debt_after, at)
         VALUES ('p', 'zed', 1, 'adjust', 5, 5, 0, 1), ('p', 'amy', 1, 'adjust', 2, 2, 0, 2)`,
      );
      await migrate(db);
      await db.exec(
        `INSERT INTO coinage_entries (program_id, user_id, seq, type, coins, balance_after, debt_after, at)
         VALUES ('p', 'abe', 1, 'adjust', 1, 1, 0, 3)`,
      );
      const { rows } = await db.query<{ user_id: string; old: boolean }>(
        "SELECT user_id, tx = '0'::xid8 AS old FROM coinage_entries ORDER BY tx, user_id, seq",
      );
      expect(rows).toEqual([
        { user_id: "amy", old: true },
        { user_id: "zed", old: true },
        { user_id: "abe", old: false },
      ]);
      const store = postgresStore({ pool: db });
      const page = await (store.readFeed as NonNullable<typeof store.readFeed>).call(store, "p", {
        limit: 10,
      });
      expect(page.items.map((item) => [item.userId, item.position.split(":")[0] === "0"])).toEqual([
        ["amy", true],
        ["zed", true],
        ["abe", false],
      ]);
      expect(page.next).toBe(page.items[2]?.position);
    } finally {
      await db.close();
    }
  });

  it("0005 - programs with data get their totals' base row from their entries and accounts", async () => {
    const db = new PGlite();
    try {
      for (const migration of migrations.slice(0, 4)) await db.exec(migration.sql);
      await db.exec(
        `INSERT INTO coinage_accounts (program_id, user_id, version, debt, next_lot_id,
           next_entry_seq, open_coins)
         VALUES ('p', 'a', 3, 0, 2, 4, 60), ('p', 'b', 2, 5, 2, 3, 0), ('q', 'c', 1, 0, 2, 2, 9);
         INSERT INTO coinage_entries (program_id, user_id, seq, type, coins, balance_after, debt_after, at)
         VALUES ('p', 'a', 1, 'earn', 100, 100, 0, 1), ('p', 'a', 2, 'redeem', -30, 70, 0, 2),
                ('p', 'a', 3, 'expire', -10, 60, 0, 3), ('p', 'b', 1, 'earn', 20, 20, 0, 1),
                ('p', 'b', 2, 'reverse', -25, -5, 5, 2), ('q', 'c', 1, 'earn', 9, 9, 0, 1)`,
      );
      await migrate(db);
      const { rows } = await db.query<Record<string, string>>(
        `SELECT program_id, earned::text, redeemed::text, expired::text, reversed::text,
           restored::text, adjusted::text, open_coins::text, debt::text
         FROM coinage_tallies ORDER BY program_id`,
      );
      expect(rows).toEqual([
        {
          program_id: "p",
          earned: "120",
          redeemed: "30",
          expired: "10",
          reversed: "25",
          restored: "0",
          adjusted: "0",
          open_coins: "60",
          debt: "5",
        },
        {
          program_id: "q",
          earned: "9",
          redeemed: "0",
          expired: "0",
          reversed: "0",
          restored: "0",
          adjusted: "0",
          open_coins: "9",
          debt: "0",
        },
      ]);
      const figures = await postgresStore({ pool: db }).readLiability?.("p", Date.now());
      expect(figures?.tally).toMatchObject({ earned: "120", open: "60", debt: "5" });
    } finally {
      await db.close();
    }
  });

  it("migrate - should refuse a migration edited after it was applied", async () => {
    const db = new PGlite();
    try {
      await migrate(db, { schema: "coinage" });
      await db.exec("UPDATE coinage.coinage_migrations SET checksum = 'edited' WHERE version = 1");
      await expect(migrate(db, { schema: "coinage" })).rejects.toThrow(
        /differs from the one applied/,
      );
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(skipServer)("migrate on the server", () => {
  const schemas: string[] = [];
  const admin = newPool({ max: 2 });
  beforeAll(() => {
    schemas.push(uniqueSchema(), uniqueSchema());
  });
  afterAll(async () => {
    for (const schema of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await admin.end();
  });

  it("migrate - 8 concurrent callers should apply each migration exactly once", async () => {
    const schema = schemas[0] as string;
    const pool = newPool({ max: 8 });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => migrate(pool, { schema })));
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(migrations.map((m) => m.name));
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM ${ident(schema)}.coinage_migrations`,
      );
      expect(rows[0]?.n).toBe(migrations.length);
    } finally {
      await pool.end();
    }
  });

  it("migrate - should create the tables in the connection's schema when none is given", async () => {
    const schema = schemas[1] as string;
    await admin.query(`CREATE SCHEMA ${ident(schema)}`);
    const pool = newPool({ max: 1, options: `-c search_path=${schema}` });
    try {
      expect((await migrate(pool)).applied).toHaveLength(migrations.length);
      const { rows } = await admin.query(
        // 7 tables of the ledger, the migrations table, and the two of the liability totals.
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'coinage\\_%'",
        [schema],
      );
      expect(rows[0]?.n).toBe(10);
    } finally {
      await pool.end();
    }
  });

  it("the partial indexes - should serve findExpiring and the open-lot reads", async () => {
    const fixture = await serverFixture();
    try {
      const client = await fixture.pool.connect();
      const plan = async (sql: string) => {
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`);
        return JSON.stringify(rows);
      };
      try {
        // 20,000 lots of 200 users, one in ten open.
        await client.query(`SET search_path TO ${ident(fixture.schema)}`);
        await client.query(
          `INSERT INTO coinage_lots (program_id, user_id, id, coins, remaining, earned_at, available_at, expires_at)
           SELECT 'p', 'user-' || (i % 200), i, 5, CASE WHEN i % 10 = 0 THEN 5 ELSE 0 END, i, i, i
           FROM generate_series(1, 20000) AS i`,
        );
        await client.query("ANALYZE coinage_lots");
        expect(
          await plan(
            "SELECT DISTINCT user_id FROM coinage_lots WHERE program_id = 'p' AND remaining > 0 AND expires_at <= 5 ORDER BY user_id LIMIT 10",
          ),
        ).toContain("coinage_lots_open_by_expiry");
        expect(
          await plan(
            "SELECT * FROM coinage_lots WHERE program_id = 'p' AND user_id = 'user-7' AND remaining > 0 AND expires_at <= 5000",
          ),
        ).toContain("coinage_lots_open_fifo");
      } finally {
        client.release(true);
      }
    } finally {
      await fixture.close();
    }
  });
});
