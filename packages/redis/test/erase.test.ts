/**
 * The erasure's Redis-level guarantees (the conformance suite covers the
 * contract through reads): afterwards no key of the program, nor any value
 * in it, holds the user id (raw or as the store encodes it) or a reason of
 * the user's; feed positions are kept; and an erasure stopped after any of
 * its steps is finished by the next `erase` (or command) on the user id,
 * with no coin lost or counted twice. On a single server and on a 3-master
 * Cluster.
 */
import { randomUUID } from "node:crypto";
import { type Coinage, createCoinage, type FeedEntry } from "@coinage/core";
import { Cluster, type Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisScriptClient } from "../src/client.js";
import { redisStore } from "../src/index.js";
import { encodeId, expiryStripe, orderedMember } from "../src/keys.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

type Arg = string | number;

/**
 * A script client that, once armed, counts the store's script calls and
 * fails the `failAt`-th one: before it reaches Redis (`lost: "request"`, a
 * process that died before sending it) or after Redis applied it
 * (`lost: "reply"`, one that died before hearing back). Later calls fail too,
 * as they would in a dead process.
 */
class Stopping implements RedisScriptClient {
  armed = false;
  calls = 0;
  failAt = Number.POSITIVE_INFINITY;
  lost: "request" | "reply" = "request";
  readonly nodes?: (role: "master") => readonly Redis[];
  constructor(readonly client: Redis | Cluster) {
    if (client instanceof Cluster) this.nodes = (role) => client.nodes(role);
  }

  arm(failAt: number, lost: "request" | "reply"): void {
    this.armed = true;
    this.calls = 0;
    this.failAt = failAt;
    this.lost = lost;
  }

  disarm(): void {
    this.armed = false;
    this.failAt = Number.POSITIVE_INFINITY;
  }

  evalsha(sha1: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    if (!this.armed) return this.client.evalsha(sha1, numkeys, ...rest);
    this.calls += 1;
    if (this.calls < this.failAt) return this.client.evalsha(sha1, numkeys, ...rest);
    if (this.calls > this.failAt || this.lost === "request")
      return Promise.reject(new Error("simulated crash"));
    return this.client
      .evalsha(sha1, numkeys, ...rest)
      .then(() => Promise.reject(new Error("simulated crash after the call")));
  }

  eval(script: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    return this.client.eval(script, numkeys, ...rest);
  }

  script(subcommand: "LOAD", source: string): Promise<unknown> {
    return this.client.script(subcommand, source);
  }
}

/** Every key of the program and its whole value, as one text. */
async function dump(client: Redis | Cluster, prefix: string, programId: string): Promise<string> {
  const pattern = `${prefix}:{${encodeId(programId)}[:/#}]*`;
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        const type = await node.type(key);
        let value: unknown;
        if (type === "string") value = await node.get(key);
        else if (type === "hash") value = await node.hgetall(key);
        else if (type === "zset") value = await node.zrange(key, 0, -1, "WITHSCORES");
        else if (type === "set") value = await node.smembers(key);
        else if (type === "list") value = await node.lrange(key, 0, -1);
        else if (type === "stream") value = await node.xrange(key, "-", "+");
        else value = `<${type}>`;
        out.push(`${key} ${type} ${JSON.stringify(value)}`);
      }
    } while (cursor !== "0");
  }
  return out.join("\n");
}

/** The forms a user id takes in the store: as given, in keys and fields, as an ordered member. */
function forms(userId: string): string[] {
  return [userId, encodeId(userId), orderedMember(userId)];
}

async function readWholeFeed(coins: Coinage, limit = 7): Promise<FeedEntry[]> {
  const items: FeedEntry[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1_000; page += 1) {
    const result = await coins.feed({ after, limit });
    items.push(...result.items);
    if (result.items.length === 0) return items;
    after = result.nextCursor;
  }
  throw new Error("the feed did not end");
}

async function allHistory(coins: Coinage, userId: string) {
  const entries = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await coins.history(
      userId,
      cursor === undefined ? { limit: 50 } : { limit: 50, cursor },
    );
    entries.push(...page.items);
    if (page.nextCursor === null) return entries;
    cursor = page.nextCursor;
  }
}

const USER = "mia.sol@example.org";
const SECRETS = ["Mia's order 17", "checkout for Mia Sol", "called about Mia"] as const;

/** A program where `USER` and two others have history; answers its world. */
async function seed(coins: Coinage): Promise<void> {
  await coins.events.create({
    id: "SHOP",
    name: "shop",
    reward: { kind: "fixed", coins: "100" },
    expiry: { days: 30 },
  });
  await coins.events.create({
    id: "LATER",
    name: "later",
    reward: { kind: "fixed", coins: "40" },
    activation: { days: 7 },
  });
  await coins.allocate({ userId: USER, event: "SHOP", requestId: "a1", reason: SECRETS[0] });
  await coins.allocate({ userId: "other", event: "SHOP", requestId: "o1", reason: "plain" });
  await coins.allocate({ userId: USER, event: "LATER", requestId: "a2" });
  await coins.redeem({ userId: USER, coins: "30", requestId: "r1", reason: SECRETS[1] });
  await coins.allocate({ userId: "third", event: "SHOP", requestId: "t1" });
  await coins.adjust({ userId: USER, coins: "5", requestId: "j1", reason: SECRETS[2] });
  await coins.redeem({ userId: "other", coins: "10", requestId: "o2" });
}

const REQUESTS = ["a1", "a2", "r1", "j1"];

function eraseTests(connected: () => Redis | Cluster): void {
  let client: Redis | Cluster;
  let stopping: Stopping;
  const prefix = newPrefix("erase");

  beforeAll(() => {
    client = connected();
    stopping = new Stopping(client);
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
  });

  const world = () => {
    const programId = `p-${randomUUID().slice(0, 8)}`;
    const store = redisStore({ client: stopping, prefix });
    return {
      programId,
      coins: createCoinage({ store, program: { id: programId, coinValue: "1" } }),
    };
  };

  /** What every finished erasure of `seed`'s user leaves, whichever pseudonym it went to. */
  async function expectErased(
    coins: Coinage,
    programId: string,
    feedBefore: readonly FeedEntry[],
    liabilityBefore: Awaited<ReturnType<Coinage["liability"]>>,
  ): Promise<string> {
    const pseudonym = (await coins.request("a1")).userId;
    expect(pseudonym).toMatch(/^erased-[0-9a-f]{32}$/);
    for (const id of REQUESTS) expect((await coins.request(id)).userId).toBe(pseudonym);
    const kept = await allHistory(coins, pseudonym);
    expect(kept.map((e) => [e.type, e.coins, e.reason])).toEqual([
      ["expire", "-115", null],
      ["adjust", "5", null],
      ["redeem", "-30", null],
      ["earn", "40", null],
      ["earn", "100", null],
    ]);
    expect(await coins.balance(USER)).toMatchObject({ available: "0", pending: "0", debt: "0" });
    expect(await allHistory(coins, USER)).toEqual([]);

    // The books: the forfeit once, as expired; nothing else moved.
    const liability = await coins.liability();
    expect(liability.expired).toBe(String(Number(liabilityBefore.expired) + 115));
    expect(liability.outstanding).toBe(String(Number(liabilityBefore.outstanding) - 115));
    expect(liability.earned).toBe(liabilityBefore.earned);
    expect(liability.redeemed).toBe(liabilityBefore.redeemed);
    expect(liability.adjusted).toBe(liabilityBefore.adjusted);

    // The feed: every entry once, at its position; the user's under the pseudonym, without reasons.
    const feed = await readWholeFeed(coins);
    expect(feed).toHaveLength(feedBefore.length + 1);
    feedBefore.forEach((before, i) => {
      const after = feed[i] as FeedEntry;
      expect(after.position).toBe(before.position);
      expect(after.seq).toBe(before.seq);
      expect(after.coins).toBe(before.coins);
      if (before.userId === USER) {
        expect(after.userId).toBe(pseudonym);
        expect(after.reason).toBeNull();
      } else {
        expect(after).toEqual(before);
      }
    });
    expect(feed[feed.length - 1]).toMatchObject({
      userId: pseudonym,
      type: "expire",
      coins: "-115",
    });

    // Nowhere in the program: not the user id in any form, not a reason.
    const text = await dump(client, prefix, programId);
    expect(text).toContain(encodeId(programId));
    for (const form of [...forms(USER), ...SECRETS]) expect(text).not.toContain(form);
    return pseudonym;
  }

  it("erase - should leave no key or value holding the user id or its reasons, and keep feed positions", async () => {
    const { programId, coins } = world();
    await seed(coins);
    const feedBefore = await readWholeFeed(coins);
    expect(feedBefore.filter((item) => item.userId === USER)).toHaveLength(4);
    const liabilityBefore = await coins.liability();
    // A sweep's walk sets name users; a finished walk drops them.
    const erased = await coins.erase(USER);
    expect(erased).toMatchObject({ forfeited: "115", debt: "0" });
    expect(await expectErased(coins, programId, feedBefore, liabilityBefore)).toBe(
      erased.pseudonym,
    );

    // The same user id afterwards: a fresh account, published from its seq 1.
    await coins.allocate({ userId: USER, event: "SHOP", requestId: "fresh" });
    const feed = await readWholeFeed(coins);
    expect(feed[feed.length - 1]).toMatchObject({ userId: USER, seq: 1, coins: "100" });
    expect(feed).toHaveLength(feedBefore.length + 2);
    expect((await coins.liability()).earned).toBe(String(Number(liabilityBefore.earned) + 100));
  });

  it("erase - should keep a shared stripe's feed in order, whatever the page size", async () => {
    const { programId, coins } = world();
    // A neighbour in the user's feed stripe: their entries interleave in one stream.
    let neighbour = "n0";
    for (let i = 1; expiryStripe(neighbour) !== expiryStripe(USER); i += 1) neighbour = `n${i}`;
    await coins.events.create({ id: "E", name: "e", reward: { kind: "fixed", coins: "3" } });
    for (let i = 0; i < 12; i += 1) {
      await coins.allocate({ userId: USER, event: "E", requestId: `u${i}`, reason: SECRETS[0] });
      await coins.allocate({ userId: neighbour, event: "E", requestId: `n${i}` });
      if (i % 3 === 0) await coins.allocate({ userId: "x", event: "E", requestId: `x${i}` });
    }
    const before = await readWholeFeed(coins, 50);
    const erased = await coins.erase(USER);
    expect(erased.forfeited).toBe("36");
    for (const limit of [1, 2, 5, 50]) {
      const after = await readWholeFeed(coins, limit);
      expect(after.map((item) => item.position)).toEqual([
        ...before.map((item) => item.position),
        after[after.length - 1]?.position,
      ]);
      expect(after.map((item) => [item.userId, item.seq])).toEqual([
        ...before.map((item) => [item.userId === USER ? erased.pseudonym : item.userId, item.seq]),
        [erased.pseudonym, 13],
      ]);
    }
    const text = await dump(client, prefix, programId);
    for (const form of [...forms(USER), SECRETS[0]]) expect(text).not.toContain(form);
  });

  it("erase - stopped after any step, should be finished by the next erase with nothing lost or doubled", async () => {
    // How many script calls an erasure of the seed makes (the scripts loaded first).
    const probe = world();
    await seed(probe.coins);
    stopping.arm(Number.POSITIVE_INFINITY, "request");
    await probe.coins.erase(USER);
    const total = stopping.calls;
    stopping.disarm();
    expect(total).toBeGreaterThan(10);

    for (const lost of ["request", "reply"] as const) {
      for (let failAt = 1; failAt <= total; failAt += 1) {
        const { programId, coins } = world();
        await seed(coins);
        const feedBefore = await readWholeFeed(coins);
        const liabilityBefore = await coins.liability();
        stopping.arm(failAt, lost);
        const stopped = await coins.erase(USER).then(
          () => null,
          (error: unknown) => error,
        );
        stopping.disarm();
        // The last call may be one whose loss the erasure does not wait for.
        if (stopped !== null) expect(stopped).toMatchObject({ code: "STORE_UNAVAILABLE" });
        const again = await coins.erase(USER);
        const pseudonym = await expectErased(coins, programId, feedBefore, liabilityBefore);
        if (again.pseudonym !== pseudonym)
          expect(again).toMatchObject({ forfeited: "0", debt: "0" });
      }
    }
  }, 240_000);

  it("erase - stopped after it began, should be finished by the next command on the user id", async () => {
    const { programId, coins } = world();
    await seed(coins);
    const feedBefore = await readWholeFeed(coins);
    const liabilityBefore = await coins.liability();
    // The calls before the forfeit: lease, read, begin. Stop right after the begin.
    stopping.arm(4, "request");
    await expect(coins.erase(USER)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    stopping.disarm();
    // The account is held by the erasure: the command waits, finishes it, then runs on the fresh account.
    await coins.allocate({ userId: USER, event: "SHOP", requestId: "after" });
    expect((await coins.balance(USER)).available).toBe("100");
    const pseudonym = (await coins.request("a1")).userId;
    expect(pseudonym).not.toBe(USER);
    expect((await allHistory(coins, pseudonym)).map((e) => e.coins)).toEqual([
      "-115",
      "5",
      "-30",
      "40",
      "100",
    ]);
    const feed = await readWholeFeed(coins);
    expect(feed).toHaveLength(feedBefore.length + 2);
    expect(feed.filter((item) => item.userId === USER).map((item) => item.seq)).toEqual([1]);
    const liability = await coins.liability();
    expect(liability.expired).toBe(String(Number(liabilityBefore.expired) + 115));
    expect(liability.earned).toBe(String(Number(liabilityBefore.earned) + 100));
    expect(programId).toBeTruthy();
  });
}

describe.skipIf(skipReason !== undefined)("redis erase (single server)", () => {
  let client: Redis | undefined;
  beforeAll(() => {
    client = connect();
  });
  afterAll(() => {
    client?.disconnect();
  });
  eraseTests(() => client as Redis);
});

describe.skipIf(skipReason !== undefined)("redis erase (cluster)", () => {
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
  eraseTests(() => client as Cluster);
});
