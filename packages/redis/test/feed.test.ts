/**
 * The change feed's Redis-specific guarantees (the conformance suite covers
 * the contract): a process that dies between commit and publication leaves
 * its entries out of the feed only until the grace period passes (or the
 * account's next command), publishing is idempotent, the feed spreads over
 * the stripe streams, and a malformed cursor is `INVALID_INPUT` at `after`.
 */
import { CoinageError, type FeedItem, type Store } from "@coinage/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptRunner } from "../src/client.js";
import { Context } from "../src/context.js";
import { formatPosition, parsePosition, publishEntries, storedEntries } from "../src/feed.js";
import { redisStore } from "../src/index.js";
import { EXPIRY_STRIPES, programKeys } from "../src/keys.js";
import { credit, debit } from "./commands.js";
import { Crashy } from "./crashy.js";
import { type LocalCluster, startCluster } from "./servers.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

const GRACE_MS = 300;

async function readAll(store: Store, programId: string, after?: string): Promise<FeedItem[]> {
  const read = store.readFeed;
  if (read === undefined) throw new Error("no readFeed");
  const items: FeedItem[] = [];
  let cursor = after;
  for (;;) {
    const page = await read.call(
      store,
      programId,
      cursor === undefined ? { limit: 3 } : { after: cursor, limit: 3 },
    );
    items.push(...page.items);
    if (page.items.length === 0) return items;
    cursor = page.next ?? undefined;
  }
}

const summary = (items: readonly FeedItem[]) =>
  items.map((item) => [item.userId, item.entry.seq, item.entry.requestId]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipReason !== undefined)("redis feed - single server", () => {
  let client: Redis | undefined;
  beforeAll(() => {
    client = connect();
  });
  afterAll(() => client?.disconnect());
  feedTests(() => client as Redis);
});

describe.skipIf(skipReason !== undefined)("redis feed - cluster", () => {
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
  feedTests(() => client as Cluster);
});

function feedTests(connected: () => Redis | Cluster): void {
  const prefix = newPrefix("feed");
  let client: Redis | Cluster;
  let crashy: Crashy;
  let store: Store;
  beforeAll(() => {
    client = connected();
    crashy = new Crashy(client);
    store = redisStore({ client: crashy, prefix, feedGraceMs: GRACE_MS });
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
  });

  it("a crash between commit and publication should hide the entry until the grace period passes, then show it once", async () => {
    const P = "crash";
    await store.execute(credit({ programId: P, userId: "u1", requestId: "r1", coins: 5 }));
    crashy.dropPublish = true;
    try {
      const outcome = await store.execute(
        credit({ programId: P, userId: "u2", requestId: "r2", coins: 7 }),
      );
      expect(outcome.status).toBe("committed");
    } finally {
      crashy.dropPublish = false;
    }
    expect(crashy.dropped).toBe(1);
    // Committed (the history has it), not published yet: its mark is younger than the grace period.
    expect((await store.history(P, "u2", { limit: 5 })).map((e) => e.requestId)).toEqual(["r2"]);
    const early = await readAll(store, P);
    expect(summary(early)).toEqual([["u1", 1, "r1"]]);
    const cursor = early[0]?.position as string;

    await sleep(GRACE_MS + 100);
    // The repair publishes it, after the position already passed: no late fill.
    const later = await readAll(store, P, cursor);
    expect(summary(later)).toEqual([["u2", 1, "r2"]]);
    // Exactly once, however many readers repair.
    await Promise.all([readAll(store, P), readAll(store, P)]);
    expect(summary(await readAll(store, P))).toEqual([
      ["u1", 1, "r1"],
      ["u2", 1, "r2"],
    ]);
    // The mark is gone.
    const stripe = programKeys(prefix, P).feedOf("u2");
    expect(await client.zcard(stripe.pending)).toBe(0);
  });

  it("the account's next command should publish entries a crash left behind, first and in seq order", async () => {
    const P = "next";
    crashy.dropPublish = true;
    try {
      await store.execute(credit({ programId: P, userId: "u", requestId: "a", coins: 5 }));
      await store.execute(debit({ programId: P, userId: "u", requestId: "b", coins: 1 }));
    } finally {
      crashy.dropPublish = false;
    }
    expect(await readAll(store, P)).toEqual([]);
    await store.execute(debit({ programId: P, userId: "u", requestId: "c", coins: 2 }));
    // Well within the grace period: the next command filled the gap.
    expect(summary(await readAll(store, P))).toEqual([
      ["u", 1, "a"],
      ["u", 2, "b"],
      ["u", 3, "c"],
    ]);
  });

  it("a batch should publish every entry it committed", async () => {
    const P = "batch";
    const many = store.executeMany;
    if (many === undefined) throw new Error("no executeMany");
    const outcomes = await many.call(
      store,
      Array.from({ length: 9 }, (_, i) =>
        credit({ programId: P, userId: `b${i % 3}`, requestId: `r${i}`, coins: 1 }),
      ),
    );
    expect(outcomes.every((o) => o.status === "committed")).toBe(true);
    const items = await readAll(store, P);
    expect(items).toHaveLength(9);
    for (const userId of ["b0", "b1", "b2"]) {
      expect(items.filter((item) => item.userId === userId).map((item) => item.entry.seq)).toEqual([
        1, 2, 3,
      ]);
    }
  });

  it("should carry any user id, the empty one and lone surrogates included, through the feed and its repair", async () => {
    const P = "ids";
    const users = ["", "\ud800", "a:b", "{x}", "__proto__", "é.~"];
    crashy.dropPublish = true;
    try {
      for (const [i, userId] of users.entries())
        await store.execute(credit({ programId: P, userId, requestId: `i${i}`, coins: 1 }));
    } finally {
      crashy.dropPublish = false;
    }
    expect(await readAll(store, P)).toEqual([]);
    await sleep(GRACE_MS + 100);
    const items = await readAll(store, P);
    expect(items.map((item) => item.userId).sort()).toEqual([...users].sort());
    expect(items.map((item) => item.entry.requestId).sort()).toEqual(users.map((_, i) => `i${i}`));
  });

  it("concurrent commands on the same accounts, then a batch, should publish each history exactly once, in seq order", async () => {
    const P = "race";
    const users = ["x0", "x1", "x2", "x3"];
    const many = store.executeMany;
    if (many === undefined) throw new Error("no executeMany");
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.execute(
          credit({
            programId: P,
            userId: users[i % users.length] as string,
            requestId: `c${i}`,
            coins: 2,
          }),
        ),
      ),
    );
    await many.call(
      store,
      users.map((u) => credit({ programId: P, userId: u, requestId: `m-${u}`, coins: 1 })),
    );
    const items = await readAll(store, P);
    expect(items).toHaveLength(44);
    for (const userId of users) {
      const history = (await store.history(P, userId, { limit: 1000 })).reverse();
      expect(
        items.filter((item) => item.userId === userId).map((item) => item.entry),
        userId,
      ).toEqual(history);
    }
    expect(new Set(items.map((item) => item.position)).size).toBe(items.length);
  });

  it("publishing the same entries twice, or at once, should give one copy", async () => {
    const P = "twice";
    crashy.dropPublish = true;
    try {
      await store.execute(credit({ programId: P, userId: "t", requestId: "t1", coins: 5 }));
      await store.execute(credit({ programId: P, userId: "t", requestId: "t2", coins: 6 }));
    } finally {
      crashy.dropPublish = false;
    }
    const entries = (await store.history(P, "t", { limit: 10 })).reverse();
    const runner = new ScriptRunner(crashy, 5_000);
    const ctx = new Context(runner, prefix, 15_000, !runner.cluster);
    const keys = ctx.keys(P);
    const publication = { keys, userId: "t", mark: null, entries: storedEntries(entries) };
    const second = { ...publication, entries: storedEntries(entries.slice(1)) };
    // Concurrently: the whole, its second entry alone (a gap: read from history), the whole again.
    await Promise.all([
      publishEntries(ctx, [publication], "test", true),
      publishEntries(ctx, [second], "test", true),
      publishEntries(ctx, [publication], "test", true),
    ]);
    await publishEntries(ctx, [publication], "test", true);
    expect(summary(await readAll(store, P))).toEqual([
      ["t", 1, "t1"],
      ["t", 2, "t2"],
    ]);
    expect(await client.xlen(keys.feedOf("t").stream)).toBe(2);
  });

  it("a program's entries should spread over more than one stripe stream, merged in publication order", async () => {
    const P = "spread";
    const users = Array.from({ length: 24 }, (_, i) => `s${i}`);
    for (const [i, userId] of users.entries())
      await store.execute(credit({ programId: P, userId, requestId: `q${i}`, coins: 1 }));
    const keys = programKeys(prefix, P);
    const lengths = await Promise.all(keys.feedStripes.map((stripe) => client.xlen(stripe.stream)));
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(users.length);
    expect(lengths.filter((n) => n > 0).length).toBeGreaterThan(1);
    const items = await readAll(store, P);
    // Commands one after the other: the feed keeps their order across stripes.
    expect(items.map((item) => item.userId)).toEqual(users);
    const last = parsePosition(items[items.length - 1]?.position);
    expect(last.filter((id) => id !== "0-0").length).toBe(lengths.filter((n) => n > 0).length);
  });

  it("a malformed cursor should be INVALID_INPUT at after", async () => {
    const read = store.readFeed;
    if (read === undefined) throw new Error("no readFeed");
    const zeros = new Array<string>(EXPIRY_STRIPES).fill("0-0");
    const valid = formatPosition(zeros);
    expect(await read.call(store, "bad", { after: valid, limit: 5 })).toEqual({
      items: [],
      next: valid,
    });
    const bad = [
      "x",
      "not a cursor",
      "v1:",
      valid.replace("v1:", "v2:"),
      formatPosition(zeros.slice(1)),
      formatPosition([...zeros, "0-0"]),
      formatPosition(["01-0", ...zeros.slice(1)]),
      formatPosition(["1-", ...zeros.slice(1)]),
      formatPosition(["-1-0", ...zeros.slice(1)]),
      formatPosition(["1.5-0", ...zeros.slice(1)]),
      formatPosition(["18446744073709551616-0", ...zeros.slice(1)]),
      `${valid} `,
    ];
    for (const after of bad) {
      const error = await read.call(store, "bad", { after, limit: 5 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(CoinageError.is(error), after).toBe(true);
      const coinage = error as CoinageError<"INVALID_INPUT">;
      expect(coinage.code, after).toBe("INVALID_INPUT");
      expect(coinage.details.issues[0]?.path, after).toBe("after");
    }
  });
}
