/**
 * The liability totals' Redis-specific guarantees (the conformance suite
 * covers the contract): the counters are exact decimals at any size, a
 * process that dies between commit and publication is counted once the
 * feed's repair ran, and an account whose pending lots activated leaves the
 * pending lots index.
 */
import { createCoinage, type Store } from "@coinage/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptRunner } from "../src/client.js";
import { Context } from "../src/context.js";
import { publishEntries, type StoredEntry } from "../src/feed.js";
import { redisStore } from "../src/index.js";
import { orderedMember, programKeys } from "../src/keys.js";
import { readLiability } from "../src/liability.js";
import { decimalSum } from "../src/scripts/liability.js";
import { Crashy } from "./crashy.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

const GRACE_MS = 300;
const DAY = 86_400_000;
const START = Date.parse("2026-01-05T10:00:00Z");
const SCALE = 8;
const UNIT = 10n ** BigInt(SCALE);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A decimal string with up to 8 places as integer units. */
function units(text: string): bigint {
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const magnitude = BigInt(whole) * UNIT + BigInt(fraction.padEnd(SCALE, "0"));
  return negative ? -magnitude : magnitude;
}

function fromUnits(value: bigint): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / UNIT;
  const fraction = (magnitude % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  const text = fraction === "" ? whole.toString() : `${whole}.${fraction}`;
  return negative && magnitude !== 0n ? `-${text}` : text;
}

/** A liability with its decimal figures in canonical form ("5.00" as "5"). */
function canonical(figures: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [
      key,
      typeof value === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(value)
        ? fromUnits(units(value))
        : value,
    ]),
  );
}

/** A deterministic generator (xorshift), so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A random decimal with up to 8 places, from tiny to far above 2^53 units. */
function randomDecimal(next: () => number): string {
  const digits = 1 + Math.floor(next() * 30);
  let whole = "";
  for (let i = 0; i < digits; i += 1) whole += Math.floor(next() * 10);
  const places = Math.floor(next() * (SCALE + 1));
  let fraction = "";
  for (let i = 0; i < places; i += 1) fraction += Math.floor(next() * 10);
  const value = units(fraction === "" ? whole : `${whole}.${fraction}`);
  return fromUnits(next() < 0.4 ? -value : value);
}

describe.skipIf(skipReason !== undefined)("redis liability - single server", () => {
  let client: Redis | undefined;
  beforeAll(() => {
    client = connect();
  });
  afterAll(() => client?.disconnect());
  liabilityTests(() => client as Redis);
});

describe.skipIf(skipReason !== undefined)("redis liability - cluster", () => {
  let cluster: LocalCluster | undefined;
  let client: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    client = cluster.connect();
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });
  liabilityTests(() => client as Cluster);
});

function liabilityTests(connected: () => Redis | Cluster): void {
  const prefix = newPrefix("liab");
  let client: Redis | Cluster;
  let crashy: Crashy;
  let store: Store;
  let ctx: Context;
  let ms = START;
  const clock = { now: () => new Date(ms) };
  beforeAll(() => {
    client = connected();
    crashy = new Crashy(client);
    store = redisStore({ client: crashy, prefix, feedGraceMs: GRACE_MS });
    const runner = new ScriptRunner(crashy, 5_000);
    ctx = new Context(runner, prefix, 15_000, !runner.cluster, GRACE_MS);
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
  });

  const engine = (programId: string) =>
    createCoinage({
      store,
      program: {
        id: programId,
        coinValue: "0.01",
        coinScale: 2,
        rounding: "down",
        timeZone: "UTC",
        clawback: "debt",
      },
      clock,
    });

  it("the Lua decimal addition should be exact: 8 decimal places, far beyond 2^53 units, either sign", async () => {
    const next = random(20261203);
    for (let round = 0; round < 40; round += 1) {
      const values = Array.from({ length: 1 + Math.floor(next() * 12) }, () => randomDecimal(next));
      const expected = fromUnits(values.reduce((sum, value) => sum + units(value), 0n));
      expect(await ctx.scripts.run("test", decimalSum, [], values)).toBe(expected);
    }
    const edge = [
      ["9007199254740993.00000001", "0.99999999"],
      ["99999999999999999999.99999999", "0.00000001"],
      ["-0.00000001", "0.00000001"],
      ["10000000", "-0.00000001"],
      ["0", "-123456789012345678901234567890.1"],
    ];
    for (const values of edge) {
      const expected = fromUnits(values.reduce((sum, value) => sum + units(value), 0n));
      expect(await ctx.scripts.run("test", decimalSum, [], values)).toBe(expected);
    }
  });

  it("the stripe counters should stay exact with 8 decimal places and totals above 2^53 units", async () => {
    const P = "exact";
    const keys = ctx.keys(P);
    const next = random(42);
    const expected = { earned: 0n, redeemed: 0n, adjusted: 0n, open: 0n, debt: 0n };
    for (const userId of ["x", "y", "z"]) {
      let balance = 0n;
      const entries: StoredEntry[] = [];
      for (let seq = 1; seq <= 30; seq += 1) {
        // 10^12 coins and 8 places: about 10^20 units, far above 2^53.
        const coins = units(
          `${Math.floor(next() * 1e12)}.${String(Math.floor(next() * 1e8)).padStart(8, "0")}`,
        );
        const kind = seq % 3 === 0 ? "redeem" : seq % 5 === 0 ? "adjust" : "earn";
        const signed = kind === "earn" ? coins : kind === "redeem" ? -coins / 7n : -coins / 3n;
        balance += signed;
        if (kind === "earn") expected.earned += signed;
        else if (kind === "redeem") expected.redeemed -= signed;
        else expected.adjusted += signed;
        entries.push({
          seq,
          json: JSON.stringify({
            seq,
            type: kind,
            coins: fromUnits(signed),
            balanceAfter: fromUnits(balance),
            debtAfter: "0",
            at: START + seq,
          }),
        });
      }
      expected.open += balance;
      // Published in two calls, one repeating entries already published.
      await publishEntries(
        ctx,
        [{ keys, userId, mark: null, entries: entries.slice(0, 20) }],
        "test",
        true,
      );
      await publishEntries(
        ctx,
        [{ keys, userId, mark: null, entries: entries.slice(10) }],
        "test",
        true,
      );
    }
    // One user twice in one call (two stale marks of one account): counted once.
    const twice: StoredEntry[] = [1, 2].map((seq) => ({
      seq,
      json: JSON.stringify({
        seq,
        type: "earn",
        coins: "0.00000001",
        balanceAfter: fromUnits(BigInt(seq)),
        debtAfter: "0",
        at: START + seq,
      }),
    }));
    const publication = { keys, userId: "t", mark: null, entries: twice };
    await publishEntries(ctx, [publication, publication], "test", true);
    expected.earned += 2n;
    expected.open += 2n;
    expect(expected.earned > 2n ** 53n).toBe(true);
    const figures = await readLiability(ctx, keys, START + 1_000);
    expect(figures.tally).toMatchObject({
      earned: fromUnits(expected.earned),
      redeemed: fromUnits(expected.redeemed),
      adjusted: fromUnits(expected.adjusted),
      open: fromUnits(expected.open),
      debt: "0",
      expired: "0",
    });
  });

  it("a crash between commit and publication should be counted once the repair ran, exactly once", async () => {
    const coins = engine("crash");
    await coins.events.create({ id: "E", name: "E", reward: { kind: "fixed", coins: "10.25" } });
    await coins.allocate({ userId: "u1", event: "E", requestId: "a1" });
    crashy.dropPublish = true;
    try {
      await coins.allocate({ userId: "u2", event: "E", requestId: "a2" });
      await coins.redeem({ userId: "u1", coins: "3.5", requestId: "r1" });
    } finally {
      crashy.dropPublish = false;
    }
    expect(crashy.dropped).toBeGreaterThanOrEqual(2);
    // Within the grace period: not counted yet, open coins with them (the law holds).
    const early = await coins.liability();
    expect(canonical(early)).toMatchObject({ earned: "10.25", redeemed: "0", available: "10.25" });
    await sleep(GRACE_MS + 100);
    const later = await coins.liability();
    expect(canonical(later)).toMatchObject({
      earned: "20.5",
      redeemed: "3.5",
      available: "17",
      debt: "0",
    });
    // Read again, and after the accounts' next commands: still counted once.
    await coins.allocate({ userId: "u2", event: "E", requestId: "a3" });
    await Promise.all([coins.liability(), coins.liability()]);
    expect(canonical(await coins.liability())).toMatchObject({
      earned: "30.75",
      redeemed: "3.5",
      available: "27.25",
    });
  });

  it("a crash should leave a pending lot pending once the repair ran", async () => {
    const coins = engine("crash-pending");
    await coins.events.create({
      id: "L",
      name: "L",
      reward: { kind: "fixed", coins: "4" },
      activation: { days: 3 },
    });
    crashy.dropPublish = true;
    try {
      await coins.allocate({ userId: "p", event: "L", requestId: "l1" });
    } finally {
      crashy.dropPublish = false;
    }
    await sleep(GRACE_MS + 100);
    expect(canonical(await coins.liability())).toMatchObject({
      earned: "4",
      pending: "4",
      available: "0",
    });
  });

  it("an account whose pending lots activated should leave the pending lots index", async () => {
    const P = "pending";
    const coins = engine(P);
    ms = START;
    await coins.events.create({
      id: "L",
      name: "L",
      reward: { kind: "fixed", coins: "5" },
      activation: { days: 3 },
    });
    await coins.events.create({ id: "N", name: "N", reward: { kind: "fixed", coins: "1" } });
    await coins.allocate({ userId: "w", event: "L", requestId: "l1" });
    await coins.allocate({ userId: "v", event: "N", requestId: "n1" });
    const index = programKeys(prefix, P).feedOf("w").pendingLots;
    const member = orderedMember("w");
    expect(Number(await client.zscore(index, member))).toBe(START + 3 * DAY);
    // An account with no pending lot never enters it.
    expect(
      await client.zscore(programKeys(prefix, P).feedOf("v").pendingLots, orderedMember("v")),
    ).toBeNull();
    expect(canonical(await coins.liability())).toMatchObject({ pending: "5", available: "1" });
    ms = START + 4 * DAY;
    expect(canonical(await coins.liability())).toMatchObject({ pending: "0", available: "6" });
    // The stripe's latest commit is past the lot's activation: the next read drops it.
    await coins.allocate({ userId: "w", event: "N", requestId: "n2" });
    expect(canonical(await coins.liability())).toMatchObject({ pending: "0", available: "7" });
    expect(await client.zscore(index, member)).toBeNull();
    ms = START;
  });
}
