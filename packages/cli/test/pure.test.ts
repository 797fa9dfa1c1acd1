/**
 * The pure parts: what doctor expects of a PostgreSQL schema (read from the
 * shipped migrations), the Redis key layout the scans parse, coin values
 * and store selection.
 */
import { migrations } from "@coinage/postgres";
import { describe, expect, it } from "vitest";
import { compareMigrations, expectedObjects } from "../src/backends/postgres-schema.js";
import {
  decodeKeyId,
  escapeGlob,
  legacyClaimTarget,
  parseAccountKey,
  versionAtLeast,
} from "../src/backends/redis-layout.js";
import { parseCoinValues } from "../src/coin-values.js";
import { resolveTarget } from "../src/target.js";

describe("expectedObjects", () => {
  it("the shipped migrations - should leave every table, the current indexes and the trigger", () => {
    const expected = expectedObjects(migrations.map((m) => m.sql));
    expect([...expected.tables].sort()).toEqual([
      "coinage_accounts",
      "coinage_budgets",
      "coinage_entries",
      "coinage_events",
      "coinage_lots",
      "coinage_requests",
      "coinage_tallies",
      "coinage_tally_deltas",
      "coinage_usage",
    ]);
    // 0003 drops the index 0001 created, and its comments name no index.
    expect([...expected.indexes].sort()).toEqual([
      "coinage_entries_feed",
      "coinage_lots_open_by_activation",
      "coinage_lots_open_by_expiry",
      "coinage_lots_open_fifo",
      "coinage_lots_pending",
    ]);
    expect(expected.triggers).toEqual(["coinage_entries_append_only"]);
  });

  it("the first migration only - should still expect the index a later one drops", () => {
    const first = migrations[0];
    if (first === undefined) throw new Error("no migrations");
    expect(expectedObjects([first.sql]).indexes).toContain("coinage_lots_open_by_user");
  });
});

describe("compareMigrations", () => {
  const applied = migrations.map(({ version, name, checksum }) => ({ version, name, checksum }));

  it("all applied - should be current with nothing pending", () => {
    const state = compareMigrations(migrations, applied);
    expect(state.current).toHaveLength(migrations.length);
    expect([state.pending, state.edited, state.unknown]).toEqual([[], [], []]);
  });

  it("a missing, an edited and an unknown one - should each be named", () => {
    const [first, second] = applied;
    if (first === undefined || second === undefined) throw new Error("too few migrations");
    const state = compareMigrations(migrations, [
      first,
      { ...second, checksum: "edited" },
      { version: 99, name: "0099_future", checksum: "x" },
    ]);
    expect(state.current.map((m) => m.version)).toEqual([1]);
    expect(state.edited.map((m) => m.version)).toEqual([2]);
    expect(state.pending.map((m) => m.version)).toEqual(migrations.slice(2).map((m) => m.version));
    expect(state.unknown.map((m) => m.version)).toEqual([99]);
  });
});

describe("the Redis key layout", () => {
  it("parseAccountKey - should decode program and user ids of heads and 0.1 sets", () => {
    expect(parseAccountKey("app:coinage:{acme:u-1}:head", "app:coinage")).toEqual({
      program: "acme",
      user: "u-1",
      part: "head",
    });
    expect(parseAccountKey("p:{x%0020y:a%003ab%00e9}:open", "p")).toEqual({
      program: "x y",
      user: "a:bé",
      part: "open",
    });
    expect(parseAccountKey("p:{acme}:events", "p")).toBeUndefined();
    expect(parseAccountKey("p:{acme#3}:expiry", "p")).toBeUndefined();
    expect(parseAccountKey("q:{acme:u}:head", "p")).toBeUndefined();
  });

  it("decodeKeyId - should undo every escape, lone surrogates included", () => {
    expect(decodeKeyId("~")).toBe("");
    expect(decodeKeyId("%d83d%de00")).toBe("😀");
    expect(decodeKeyId("%d800")).toBe("\ud800");
  });

  it("legacyClaimTarget - should name the key 0.1 claims are copied to", () => {
    expect(legacyClaimTarget("p:{acme}:req:order%002d1", "p")).toBe("p:{acme/order%002d1}:claim");
    expect(legacyClaimTarget("p:{acme/r}:claim", "p")).toBeUndefined();
  });

  it("escapeGlob - should match a prefix literally", () => {
    expect(escapeGlob("a*b?[c]\\")).toBe("a\\*b\\?\\[c\\]\\\\");
  });

  it("versionAtLeast - should compare numerically", () => {
    expect(versionAtLeast("7.0.15", [6, 2, 0])).toBe(true);
    expect(versionAtLeast("6.2.0", [6, 2, 0])).toBe(true);
    expect(versionAtLeast("6.0.20", [6, 2, 0])).toBe(false);
    expect(versionAtLeast("10.0", [6, 2, 0])).toBe(true);
  });
});

describe("parseCoinValues", () => {
  it("precedence - program flag, flag, COINAGE_PROGRAMS, COINAGE_COIN_VALUE", () => {
    const env = {
      COINAGE_PROGRAMS: JSON.stringify({ a: { coinValue: "0.5" }, b: { coinValue: 2 } }),
      COINAGE_COIN_VALUE: "0.25",
    };
    const fromEnv = parseCoinValues([], env);
    expect([fromEnv.of("a"), fromEnv.of("b"), fromEnv.of("c")]).toEqual(["0.5", "2", "0.25"]);
    const flagged = parseCoinValues(["x=y=0.1", "3"], env);
    expect([flagged.of("x=y"), flagged.of("a"), flagged.of("c")]).toEqual(["0.1", "3", "3"]);
    expect(parseCoinValues([], {}).of("a")).toBeUndefined();
  });
});

describe("resolveTarget", () => {
  it("flags win over the environment, and the environment fills defaults", () => {
    const env = {
      DATABASE_URL: "postgres://db/x",
      COINAGE_PG_SCHEMA: "loyalty",
      COINAGE_REDIS_PREFIX: "pts",
    };
    expect(resolveTarget({}, env)).toEqual({
      kind: "postgres",
      url: "postgres://db/x",
      schema: "loyalty",
    });
    expect(resolveTarget({ "redis-url": "redis://r" }, env)).toEqual({
      kind: "redis",
      url: "redis://r",
      prefix: "pts",
    });
    expect(resolveTarget({ "redis-url": "redis://r" }, {})).toMatchObject({ prefix: "coinage" });
    expect(
      resolveTarget(
        {},
        { DATABASE_URL: "postgres://a", REDIS_URL: "redis://b", COINAGE_STORE: "postgres" },
      ),
    ).toEqual({ kind: "postgres", url: "postgres://a" });
  });
});
