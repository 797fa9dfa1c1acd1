/**
 * The CLI over a real PostgreSQL server (DATABASE_URL). Every test works in
 * schemas of its own, named after this file's base schema; all are dropped
 * at the end.
 */
import {
  addDecimalStrings,
  type Coinage,
  compareDecimalStrings,
  createCoinage,
} from "@coinage/core";
import { migrate, migrations, postgresStore } from "@coinage/postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, DATABASE_URL, DAY, ident, newPool, skipPostgres, uniqueSchema } from "./support.js";

const skip = await skipPostgres("cli/postgres.test.ts");
const base = uniqueSchema("pg");

describe.skipIf(skip)("coinage on PostgreSQL", () => {
  let pool: pg.Pool;
  const schemas: string[] = [];
  /** A fresh schema name for one test (created by the test, dropped after the file). */
  const schemaFor = (tag: string) => {
    const schema = `${base}_${tag}`;
    schemas.push(schema);
    return schema;
  };
  const store = (schema: string) => ["--database-url", DATABASE_URL, "--schema", schema];

  /** A migrated schema and engines over it: one at a past instant, one now. */
  async function world(tag: string, program = "acme") {
    const schema = schemaFor(tag);
    await migrate(pool, { schema });
    const s = postgresStore({ pool, schema });
    const at = (instant: number): Coinage =>
      createCoinage({
        store: s,
        program: { id: program, coinValue: "0.25" },
        clock: { now: () => new Date(instant) },
      });
    const now = createCoinage({ store: s, program: { id: program, coinValue: "0.25" } });
    return { schema, store: s, at, now };
  }

  beforeAll(() => {
    pool = newPool();
  });

  afterAll(async () => {
    for (const schema of schemas)
      await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch(() => {});
    await pool.end();
  });

  describe("migrate and doctor", () => {
    it("doctor on a schema that does not exist - should exit 1 saying it is not migrated", async () => {
      const schema = schemaFor("missing");
      const result = await cli(["doctor", ...store(schema), "--json"]);
      expect(result.code).toBe(1);
      const doc = result.json();
      expect(doc).toMatchObject({ ok: false, command: "doctor", healthy: false });
      expect(doc.checks).toContainEqual({
        name: "schema",
        status: "fail",
        detail: `schema ${schema} does not exist: not migrated (run coinage migrate)`,
      });
      const text = await cli(["doctor", ...store(schema)]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^fail {2}schema +schema .* does not exist/m);
      expect(text.stdout).toMatch(/^unhealthy: 1 check failed \(schema\)$/m);
    });

    it("doctor on an empty schema - should exit 1: no coinage_migrations table", async () => {
      const schema = schemaFor("empty");
      await pool.query(`CREATE SCHEMA ${ident(schema)}`);
      const result = await cli(["doctor", ...store(schema), "--json"]);
      expect(result.code).toBe(1);
      expect(result.json().checks).toContainEqual({
        name: "migrations",
        status: "fail",
        detail: expect.stringMatching(/^not migrated: .* no coinage_migrations table/),
      });
    });

    it("migrate, then doctor - should apply every migration once and then report healthy", async () => {
      const schema = schemaFor("fresh");
      const latest = migrations.at(-1);
      const first = await cli(["migrate", ...store(schema), "--json"]);
      expect(first.code).toBe(0);
      expect(first.json()).toEqual({
        ok: true,
        command: "migrate",
        store: { kind: "postgres", url: DATABASE_URL, schema },
        applied: migrations.map((m) => m.name),
        version: latest?.version,
      });

      const again = await cli(["migrate", ...store(schema)]);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(`up to date: schema version ${latest?.version}\n`);

      const doctor = await cli(["doctor", ...store(schema), "--json"]);
      expect(doctor.code).toBe(0);
      const doc = doctor.json();
      expect(doc).toMatchObject({ ok: true, healthy: true });
      const checks = doc.checks as { name: string; status: string; detail: string }[];
      expect(checks.map((c) => [c.name, c.status])).toEqual([
        ["reachable", "ok"],
        ["schema", "ok"],
        ["migrations", "ok"],
        ["tables", "ok"],
        ["indexes", "ok"],
        ["triggers", "ok"],
        ["store", "ok"],
      ]);
      expect(checks.find((c) => c.name === "migrations")?.detail).toBe(
        `version ${latest?.version} (${latest?.name}), up to date`,
      );
      const text = await cli(["doctor", ...store(schema)]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/\nhealthy\n$/);
    });

    it("doctor with an index dropped - should exit 1 naming it", async () => {
      const { schema } = await world("noindex");
      await pool.query(`DROP INDEX ${ident(schema)}.coinage_lots_open_fifo`);
      const result = await cli(["doctor", ...store(schema), "--json"]);
      expect(result.code).toBe(1);
      const checks = result.json().checks as { name: string; status: string; detail: string }[];
      expect(checks.find((c) => c.name === "indexes")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/^missing: coinage_lots_open_fifo/),
      });
      // The store's own read is not tried once a check failed.
      expect(checks.find((c) => c.name === "store")?.status).toBe("skip");
    });

    it("doctor with a migration pending - should exit 1 naming it; migrate then heals it", async () => {
      const { schema } = await world("pending");
      const latest = migrations.at(-1);
      await pool.query(`DELETE FROM ${ident(schema)}.coinage_migrations WHERE version = $1`, [
        latest?.version,
      ]);
      const result = await cli(["doctor", ...store(schema), "--json"]);
      expect(result.code).toBe(1);
      expect(result.json().checks).toContainEqual({
        name: "migrations",
        status: "fail",
        detail: expect.stringContaining(`1 pending: ${latest?.name} (run coinage migrate)`),
      });
      const migrated = await cli(["migrate", ...store(schema), "--json"]);
      expect(migrated.json()).toMatchObject({ ok: true, applied: [latest?.name] });
      expect((await cli(["doctor", ...store(schema)])).code).toBe(0);
    });

    it("doctor with an edited migration - should exit 1", async () => {
      const { schema } = await world("edited");
      await pool.query(
        `UPDATE ${ident(schema)}.coinage_migrations SET checksum = 'edited' WHERE version = 1`,
      );
      const result = await cli(["doctor", ...store(schema), "--json"]);
      expect(result.code).toBe(1);
      expect(result.json().checks).toContainEqual({
        name: "migrations",
        status: "fail",
        detail: expect.stringContaining("differs from the file this version ships"),
      });
    });
  });

  describe("expire", () => {
    it("expire --json - should expire the due lots of the program and report them", async () => {
      const w = await world("expire");
      const past = Date.now() - 3 * DAY;
      const then = w.at(past);
      await then.events.create({
        id: "SHORT",
        name: "Short",
        reward: { kind: "fixed", coins: "100" },
        expiry: { days: 1 },
      });
      await then.events.create({
        id: "KEEP",
        name: "Keep",
        reward: { kind: "fixed", coins: "40" },
        expiry: "never",
      });
      await then.allocate({ userId: "u1", event: "SHORT", requestId: "r1" });
      await then.allocate({ userId: "u2", event: "SHORT", requestId: "r2" });
      await then.allocate({ userId: "u2", event: "KEEP", requestId: "r3" });
      await then.allocate({ userId: "u3", event: "KEEP", requestId: "r4" });
      // Another program with a due lot: not swept with --program acme.
      const other = createCoinage({
        store: w.store,
        program: { id: "other", coinValue: "1" },
        clock: { now: () => new Date(past) },
      });
      await other.events.create({
        id: "SHORT",
        name: "Short",
        reward: { kind: "fixed", coins: "7" },
        expiry: { days: 1 },
      });
      await other.allocate({ userId: "o1", event: "SHORT", requestId: "o1" });

      expect((await w.now.history("u1")).items.map((e) => e.type)).toEqual(["earn"]);

      const result = await cli(["expire", ...store(w.schema), "--program", "acme", "--json"]);
      expect(result.code).toBe(0);
      const doc = result.json();
      expect(doc).toMatchObject({
        ok: true,
        command: "expire",
        programs: [{ program: "acme", accounts: 2, lots: 2, coins: "200", checked: 2 }],
        total: { accounts: 2, lots: 2, coins: "200" },
      });
      expect(Date.parse(doc.before as string)).toBeLessThanOrEqual(Date.now());
      expect(result.stderr).toMatch(/^expire acme: sweeping lots that expired at or before /m);
      expect(result.stderr).toMatch(
        /^expire acme: done, 2 lots \(200 coins\) in 2 accounts, 2 checked/m,
      );

      // The sweep wrote the expire entries and closed the lots.
      const history = (await w.now.history("u1")).items;
      expect(history.map((e) => e.type)).toEqual(["expire", "earn"]);
      expect(compareDecimalStrings(history[0]?.coins ?? "0", "-100")).toBe(0);
      expect((await w.now.balance("u2")).available).toBe("40");
      const [due] = (
        await pool.query(
          `SELECT count(*)::int AS n FROM ${ident(w.schema)}.coinage_lots
           WHERE remaining > 0 AND expires_at <= $1`,
          [Date.now()],
        )
      ).rows as [{ n: number }];
      expect(due.n).toBe(1); // the other program's lot only
      expect(await w.store.findExpiring("acme", Date.now(), { limit: 10 })).toEqual([]);
      expect(await w.store.findExpiring("other", Date.now(), { limit: 10 })).toEqual(["o1"]);

      // Idempotent: nothing left for acme.
      const again = await cli(["expire", ...store(w.schema), "--program", "acme", "--json"]);
      expect(again.json()).toMatchObject({ total: { accounts: 0, lots: 0, coins: "0" } });

      // Without --program: every program with accounts, in id order.
      const all = await cli(["expire", ...store(w.schema), "--quiet"]);
      expect(all.code).toBe(0);
      expect(all.stderr).toBe("");
      expect(all.stdout).toMatch(
        /^expired 1 lot \(7 coins\) in 1 account of 2 programs, before \S+, in \d+\.\d s\n$/,
      );
      expect(await w.store.findExpiring("other", Date.now(), { limit: 10 })).toEqual([]);
    });

    it("expire - should print a progress line while a sweep runs long", async () => {
      const w = await world("progress");
      const then = w.at(Date.now() - 3 * DAY);
      await then.events.create({
        id: "SHORT",
        name: "Short",
        reward: { kind: "fixed", coins: "1" },
        expiry: { days: 1 },
      });
      for (const user of ["p1", "p2", "p3"])
        await then.allocate({ userId: user, event: "SHORT", requestId: user });
      // A clock that moves 1.5 s each time it is read: progress lines are at most 2 s apart.
      let clock = Date.now();
      const result = await cli(["expire", ...store(w.schema), "--batch-size", "2"], {}, () => {
        clock += 1_500;
        return clock;
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^expire acme: \d accounts checked \(\d found so far\)$/m);
      expect(result.stdout).toMatch(/^expired 3 lots \(3 coins\) in 3 accounts of 1 program/);
    });

    it("expire --before - should leave lots that expire after it", async () => {
      const w = await world("before");
      const past = Date.now() - 10 * DAY;
      const then = w.at(past);
      await then.events.create({
        id: "D1",
        name: "One day",
        reward: { kind: "fixed", coins: "5" },
        expiry: { days: 1 },
      });
      await then.events.create({
        id: "D5",
        name: "Five days",
        reward: { kind: "fixed", coins: "9" },
        expiry: { days: 5 },
      });
      await then.allocate({ userId: "u", event: "D1", requestId: "a" });
      await then.allocate({ userId: "u", event: "D5", requestId: "b" });
      const before = new Date(past + 3 * DAY).toISOString();
      const result = await cli(["expire", ...store(w.schema), "--before", before, "--json"]);
      expect(result.json()).toMatchObject({
        before,
        programs: [{ program: "acme", lots: 1, coins: "5" }],
      });
      const rest = await cli(["expire", ...store(w.schema), "--json", "--batch-size", "1"]);
      expect(rest.json()).toMatchObject({ programs: [{ program: "acme", lots: 1, coins: "9" }] });
    });
  });

  describe("report", () => {
    it("report --json - should sum to the balances of every account, per program", async () => {
      const w = await world("report", "shop");
      const past = Date.now() - 3 * DAY;
      const then = w.at(past);
      await then.events.create({
        id: "EARN",
        name: "Earn",
        reward: { kind: "fixed", coins: "100" },
        expiry: "never",
      });
      await then.events.create({
        id: "LATER",
        name: "Later",
        reward: { kind: "fixed", coins: "30" },
        activation: { days: 10 },
        expiry: "never",
      });
      await then.events.create({
        id: "SHORT",
        name: "Short",
        reward: { kind: "fixed", coins: "50" },
        expiry: { days: 1 },
      });
      // a: 100 earned, 30 spent. b: 100 available, 30 pending. c: 50 expired (not swept).
      // "d: x": 100 earned, spent, then the allocation reversed: 100 of debt.
      await then.allocate({ userId: "a", event: "EARN", requestId: "a1" });
      await then.redeem({ userId: "a", coins: "30", requestId: "a2" });
      await then.allocate({ userId: "b", event: "EARN", requestId: "b1" });
      await w.now.allocate({ userId: "b", event: "LATER", requestId: "b2" });
      await then.allocate({ userId: "c", event: "SHORT", requestId: "c1" });
      await then.allocate({ userId: "d: x", event: "EARN", requestId: "d1" });
      await then.redeem({ userId: "d: x", coins: "100", requestId: "d2" });
      await w.now.reverse({ requestId: "d3", of: "d1" });
      // A second program with its own coin value.
      const club = createCoinage({ store: w.store, program: { id: "club", coinValue: "0.1" } });
      await club.events.create({
        id: "EARN",
        name: "Earn",
        reward: { kind: "fixed", coins: "12" },
      });
      await club.allocate({ userId: "z", event: "EARN", requestId: "z1" });

      const result = await cli([
        "report",
        ...store(w.schema),
        "--coin-value",
        "0.25",
        "--coin-value",
        "club=0.1",
        "--json",
      ]);
      expect(result.code).toBe(0);
      const doc = result.json();
      expect(doc).toMatchObject({ ok: true, command: "report" });
      expect(doc.programs).toEqual([
        {
          program: "club",
          accounts: 1,
          holders: 1,
          available: "12",
          pending: "0",
          outstanding: "12",
          debt: "0",
          coinValue: "0.1",
          value: "1.2",
        },
        {
          program: "shop",
          accounts: 4,
          holders: 2,
          available: "170",
          pending: "30",
          outstanding: "200",
          debt: "100",
          coinValue: "0.25",
          value: "50",
        },
      ]);

      // The same figures as the balances the library answers, account by account.
      let available = "0";
      let pending = "0";
      let debt = "0";
      for (const user of ["a", "b", "c", "d: x"]) {
        const balance = await w.now.balance(user);
        available = addDecimalStrings(available, balance.available);
        pending = addDecimalStrings(pending, balance.pending);
        debt = addDecimalStrings(debt, balance.debt);
      }
      expect([available, pending, debt]).toEqual(["170", "30", "100"]);

      // One program, and one the store does not hold; no coin value: value unknown.
      const one = await cli([
        "report",
        ...store(w.schema),
        "--program",
        "shop",
        "--program",
        "nobody",
        "--json",
      ]);
      expect(one.json().programs).toEqual([
        {
          program: "nobody",
          accounts: 0,
          holders: 0,
          available: "0",
          pending: "0",
          outstanding: "0",
          debt: "0",
          coinValue: null,
          value: null,
        },
        expect.objectContaining({ program: "shop", outstanding: "200", value: null }),
      ]);

      const text = await cli(["report", ...store(w.schema)], { COINAGE_COIN_VALUE: "0.25" });
      expect(text.code).toBe(0);
      const lines = text.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^coins as of \d{4}-/);
      expect(lines[1]?.split(/\s+/)).toEqual([
        "program",
        "accounts",
        "holders",
        "available",
        "pending",
        "outstanding",
        "debt",
        "value",
      ]);
      expect(lines[2]?.split(/\s+/)).toEqual(["club", "1", "1", "12", "0", "12", "0", "3"]);
      expect(lines[3]?.split(/\s+/)).toEqual(["shop", "4", "2", "170", "30", "200", "100", "50"]);
    });
  });
});
