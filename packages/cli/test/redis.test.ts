/**
 * The CLI over a real Redis server (REDIS_URL). Every test uses a key prefix
 * of its own; all are deleted at the end.
 */
import { addDecimalStrings, type Coinage, createCoinage } from "@coinage/core";
import { redisStore } from "@coinage/redis";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, DAY, dropPrefix, newRedis, REDIS_URL, skipRedis, uniquePrefix } from "./support.js";

const skip = await skipRedis("cli/redis.test.ts");

describe.skipIf(skip)("coinage on Redis", () => {
  let client: Redis;
  const prefixes: string[] = [];
  const store = (prefix: string) => ["--redis-url", REDIS_URL, "--prefix", prefix];

  function world(tag: string) {
    const prefix = uniquePrefix(tag);
    prefixes.push(prefix);
    const s = redisStore({ client, prefix });
    const engine = (program: string, coinValue: string, instant?: number): Coinage =>
      createCoinage({
        store: s,
        program: { id: program, coinValue },
        ...(instant === undefined ? {} : { clock: { now: () => new Date(instant) } }),
      });
    return { prefix, store: s, engine };
  }

  beforeAll(() => {
    client = newRedis();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await dropPrefix(client, prefix);
    client.disconnect();
  });

  describe("migrate and doctor", () => {
    it("migrate, then doctor - nothing to upgrade, and healthy unless the server's settings fail", async () => {
      const { prefix } = world("doctor");
      const migrated = await cli(["migrate", ...store(prefix), "--json"]);
      expect(migrated.code).toBe(0);
      expect(migrated.json()).toEqual({
        ok: true,
        command: "migrate",
        store: { kind: "redis", url: expect.stringMatching(/^redis/), prefix },
        claims: 0,
        copied: 0,
        conflicts: [],
      });

      const doctor = await cli(["doctor", ...store(prefix), "--json"]);
      const doc = doctor.json();
      const checks = doc.checks as { name: string; status: string; detail: string }[];
      expect(checks.map((c) => c.name)).toEqual([
        "reachable",
        "version",
        "persistence",
        "eviction",
        "store",
        "layout",
      ]);
      for (const name of ["reachable", "version", "store"])
        expect(checks.find((c) => c.name === name)?.status).toBe("ok");
      expect(checks.find((c) => c.name === "layout")?.status).toBe("skip");
      // Persistence and eviction depend on the test server's configuration:
      // whatever they say, the exit code follows them.
      const failed = checks.some((c) => c.status === "fail");
      const warned = checks.some((c) => c.status === "warn");
      expect(doc.healthy).toBe(!failed);
      expect(doctor.code).toBe(failed ? 1 : 0);
      const strict = await cli(["doctor", ...store(prefix), "--strict"]);
      expect(strict.code).toBe(failed || warned ? 1 : 0);
    });

    it("doctor --scan and migrate - should find 0.1 claims, copy them, then find them copied", async () => {
      const { prefix } = world("legacy");
      await client.set(`${prefix}:{acme}:req:order%002d1`, "u1");
      await client.set(`${prefix}:{acme}:req:order%002d2`, "u2");
      await client.set(`${prefix}:{acme/order%002d2}:claim`, "u2"); // copied already

      const before = await cli(["doctor", ...store(prefix), "--scan", "--json"]);
      const layout = (
        before.json().checks as { name: string; status: string; detail: string }[]
      ).find((c) => c.name === "layout");
      expect(layout).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("2 request-id claims of version 0.1, 1 not copied"),
      });

      const migrated = await cli(["migrate", ...store(prefix), "--json"]);
      expect(migrated.json()).toMatchObject({ ok: true, claims: 2, copied: 1, conflicts: [] });
      expect(await client.get(`${prefix}:{acme/order%002d1}:claim`)).toBe("u1");

      const after = await cli(["doctor", ...store(prefix), "--scan", "--json"]);
      expect(
        (after.json().checks as { name: string; status: string }[]).find(
          (c) => c.name === "layout",
        ),
      ).toMatchObject({ status: "ok" });
    });

    it("migrate with a conflicting claim - should exit 1 and name the key", async () => {
      const { prefix } = world("conflict");
      await client.set(`${prefix}:{acme}:req:r`, "u1");
      await client.set(`${prefix}:{acme/r}:claim`, "u2");
      const result = await cli(["migrate", ...store(prefix)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`conflict: ${prefix}:{acme}:req:r names another user`);
    });
  });

  describe("expire", () => {
    it("expire --json - should expire the due lots and report them", async () => {
      const w = world("expire");
      const past = Date.now() - 3 * DAY;
      const then = w.engine("acme", "0.25", past);
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
      await then.allocate({ userId: "u 1", event: "SHORT", requestId: "r1" });
      await then.allocate({ userId: "u:2", event: "SHORT", requestId: "r2" });
      await then.allocate({ userId: "u:2", event: "KEEP", requestId: "r3" });

      const result = await cli(["expire", ...store(w.prefix), "--json"]);
      expect(result.code).toBe(0);
      expect(result.json()).toMatchObject({
        ok: true,
        programs: [{ program: "acme", accounts: 2, lots: 2, coins: "200", checked: 2 }],
        total: { accounts: 2, lots: 2, coins: "200" },
      });
      const now = w.engine("acme", "0.25");
      expect((await now.history("u 1")).items.map((e) => e.type)).toEqual(["expire", "earn"]);
      expect((await now.balance("u:2")).available).toBe("40");
      expect(await w.store.findExpiring("acme", Date.now(), { limit: 10 })).toEqual([]);

      const again = await cli(["expire", ...store(w.prefix), "--program", "acme", "--json"]);
      expect(again.json()).toMatchObject({ total: { accounts: 0, lots: 0, coins: "0" } });
    });
  });

  describe("report", () => {
    it("report --json - should sum to the balances of every account, ids with any characters included", async () => {
      const w = world("report");
      const past = Date.now() - 3 * DAY;
      const program = "shop {eu}";
      const then = w.engine(program, "0.25", past);
      const now = w.engine(program, "0.25");
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
      const users = ["a", "b:é", "c/😀", "d {x}"];
      const [a, b, c, d] = users as [string, string, string, string];
      await then.allocate({ userId: a, event: "EARN", requestId: "a1" });
      await then.redeem({ userId: a, coins: "30", requestId: "a2" });
      await then.allocate({ userId: b, event: "EARN", requestId: "b1" });
      await now.allocate({ userId: b, event: "LATER", requestId: "b2" });
      await then.allocate({ userId: c, event: "SHORT", requestId: "c1" });
      await then.allocate({ userId: d, event: "EARN", requestId: "d1" });
      await then.redeem({ userId: d, coins: "100", requestId: "d2" });
      await now.reverse({ requestId: "d3", of: "d1" });
      const other = w.engine("other", "1");
      await other.events.create({
        id: "EARN",
        name: "Earn",
        reward: { kind: "fixed", coins: "3" },
      });
      await other.allocate({ userId: "o", event: "EARN", requestId: "o1" });

      const result = await cli([
        "report",
        ...store(w.prefix),
        "--coin-value",
        `${program}=0.25`,
        "--json",
      ]);
      expect(result.code).toBe(0);
      const rows = result.json().programs as Record<string, unknown>[];
      expect(rows).toEqual([
        {
          program: "other",
          accounts: 1,
          holders: 1,
          available: "3",
          pending: "0",
          outstanding: "3",
          debt: "0",
          coinValue: null,
          value: null,
        },
        {
          program,
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

      let available = "0";
      let pending = "0";
      let debt = "0";
      for (const user of users) {
        const balance = await now.balance(user);
        available = addDecimalStrings(available, balance.available);
        pending = addDecimalStrings(pending, balance.pending);
        debt = addDecimalStrings(debt, balance.debt);
      }
      expect([available, pending, debt]).toEqual(["170", "30", "100"]);

      const only = await cli(["report", ...store(w.prefix), "--program", "other", "--json"]);
      expect((only.json().programs as { program: string }[]).map((p) => p.program)).toEqual([
        "other",
      ]);
    });
  });
});
