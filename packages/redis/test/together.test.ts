/**
 * Groups of accounts (`executeTogether`, through `referral`) beyond the
 * conformance suite: what a crash between the commit calls leaves and how a
 * retry finishes it, on a single server (one all-or-nothing call: nothing
 * is left) and on a Cluster (one call per account: the first part stays
 * until the retry books the rest); and crossed pairs that cannot deadlock.
 */
import { type Coinage, createCoinage, type FeedEntry } from "@coinage/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { commit, commitTogether } from "../src/scripts/account.js";
import { Crashy } from "./crashy.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

type Arg = string | number;

/** Fails the `failAt`-th commit call (either commit script) as if the process died before sending it. */
class FailingCommit extends Crashy {
  failAt = 0;
  #commits = 0;

  override evalsha(sha1: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    if (this.failAt > 0 && (sha1 === commit.sha || sha1 === commitTogether.sha)) {
      this.#commits += 1;
      if (this.#commits === this.failAt) {
        this.failAt = 0;
        this.#commits = 0;
        return Promise.reject(new Error("simulated crash before a commit"));
      }
    }
    return super.evalsha(sha1, numkeys, ...rest);
  }
}

function world(client: Redis | Cluster, prefix: string) {
  const crashy = new FailingCommit(client);
  const store = redisStore({ client: crashy, prefix, contentionTimeoutMs: 20_000 });
  const coins = createCoinage({
    store,
    program: { id: "p", coinValue: "0.01", coinScale: 0, rounding: "down", timeZone: "UTC" },
  });
  return { crashy, store, coins };
}

/** Loads the commit scripts on every server first, so a counted call is never a NOSCRIPT retry. */
async function preload(client: Redis | Cluster): Promise<void> {
  const servers = "nodes" in client ? client.nodes("master") : [client];
  for (const server of servers)
    for (const script of [commit, commitTogether]) await server.script("LOAD", script.source);
}

async function setUp(coins: Coinage): Promise<void> {
  await coins.events.create({
    id: "REFER",
    name: "refer",
    reward: { kind: "fixed", coins: "500" },
  });
  await coins.events.create({
    id: "WELCOME",
    name: "welcome",
    reward: { kind: "fixed", coins: "100" },
  });
}

const pair = (requestId: string, referrer = "al", referee = "bo") => ({
  referrer,
  referee,
  event: "REFER",
  refereeEvent: "WELCOME",
  requestId,
});

async function feedOf(coins: Coinage): Promise<FeedEntry[]> {
  const items: FeedEntry[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await coins.feed({ after, limit: 50 });
    items.push(...page.items);
    if (page.items.length === 0) return items;
    after = page.nextCursor;
  }
}

function groupTests(label: string, client: () => Redis | Cluster, cluster: boolean): void {
  it(`${label}: a crash before the ${cluster ? "second" : "only"} commit call, then a retry, books each side once`, async () => {
    const prefix = newPrefix("together");
    const { crashy, coins } = world(client(), prefix);
    try {
      await preload(client());
      await setUp(coins);
      crashy.failAt = cluster ? 2 : 1;
      await expect(coins.referral(pair("r1"))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      const between = [
        (await coins.balance("al")).available,
        (await coins.balance("bo")).available,
      ];
      if (cluster) {
        // One side is booked (the first in key order), the other not yet.
        expect([...between].sort()).toEqual(["0", between.includes("500") ? "500" : "100"]);
        expect(between.filter((coins) => coins !== "0")).toHaveLength(1);
      } else {
        expect(between).toEqual(["0", "0"]);
      }

      const retried = await coins.referral(pair("r1"));
      expect(retried.referrer).toMatchObject({ userId: "al", coins: "500" });
      expect(retried.referee).toMatchObject({ userId: "bo", coins: "100" });
      // A part booked before the retry makes the answer a replay of the whole.
      expect(retried.replayed).toBe(cluster);
      const again = await coins.referral(pair("r1"));
      expect(again.replayed).toBe(true);
      expect((await coins.balance("al")).available).toBe("500");
      expect((await coins.balance("bo")).available).toBe("100");
      expect((await coins.liability()).earned).toBe("600");
      const feed = await feedOf(coins);
      expect(feed.map((item) => [item.userId, item.requestId]).sort()).toEqual([
        ["al", "r1"],
        ["bo", "r1:referee"],
      ]);
    } finally {
      await dropPrefix(client(), prefix);
    }
  });

  it(`${label}: a retry under another payload after a partial booking is a conflict that books nothing more`, async () => {
    const prefix = newPrefix("together");
    const { crashy, coins } = world(client(), prefix);
    try {
      await preload(client());
      await setUp(coins);
      await coins.events.create({
        id: "OTHER",
        name: "other",
        reward: { kind: "fixed", coins: "7" },
      });
      crashy.failAt = cluster ? 2 : 1;
      await expect(coins.referral(pair("r2"))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      const before = [(await coins.balance("al")).available, (await coins.balance("bo")).available];
      if (cluster) {
        await expect(
          coins.referral({ ...pair("r2"), refereeEvent: "OTHER", event: "OTHER" }),
        ).rejects.toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
        expect([
          (await coins.balance("al")).available,
          (await coins.balance("bo")).available,
        ]).toEqual(before);
      }
      // The original payload still finishes it.
      await coins.referral(pair("r2"));
      expect((await coins.balance("al")).available).toBe("500");
      expect((await coins.balance("bo")).available).toBe("100");
    } finally {
      await dropPrefix(client(), prefix);
    }
  });

  it(`${label}: crossed pairs booked at once never wait on each other for ever`, async () => {
    const prefix = newPrefix("together");
    const { coins } = world(client(), prefix);
    try {
      await setUp(coins);
      const calls = Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? coins.referral(pair(`x${i}`, "al", "bo"))
          : coins.referral(pair(`x${i}`, "bo", "al")),
      );
      const results = await Promise.all(calls);
      expect(results.every((result) => !result.replayed)).toBe(true);
      // Each user: six referrals as referrer (500) and six as referee (100).
      expect((await coins.balance("al")).available).toBe("3600");
      expect((await coins.balance("bo")).available).toBe("3600");
      expect((await coins.liability()).earned).toBe("7200");
    } finally {
      await dropPrefix(client(), prefix);
    }
  });
}

describe.skipIf(skipReason !== undefined)("redis executeTogether - single server", () => {
  let client: Redis | undefined;
  beforeAll(() => {
    client = connect();
  });
  afterAll(() => client?.disconnect());
  groupTests("single server", () => client as Redis, false);
});

describe.skipIf(skipReason !== undefined)("redis executeTogether - cluster", () => {
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
  groupTests("cluster", () => client as Cluster, true);
});
