/**
 * How many sequential round trips each command costs, seen from the client:
 * calls issued while another is still in flight ride the same round trip.
 * The change feed (see `src/feed.ts`) adds one call to the first round trip
 * (the pending mark, riding with the read) and, for a command that commits
 * entries, one round trip after the commit (the publication), shared with
 * the exact expiry entry when there is one.
 * Also: a batch whose commit meets a newer version decides again, and a
 * batch that meets NOSCRIPT loads each script once.
 */
import { createHash } from "node:crypto";
import type { AccountCommand, Store } from "@coinage/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisScriptClient, redisStore } from "../src/index.js";
import { expiryStripe } from "../src/keys.js";
import * as accountScripts from "../src/scripts/account.js";
import * as feedScripts from "../src/scripts/feed.js";
import * as programScripts from "../src/scripts/program.js";
import { balanceOf, credit, debit, emptyReads } from "./commands.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

type Arg = string | number;

/** Script names by sha, to tell calls apart. */
const names = new Map<string, string>(
  [
    ...Object.values(accountScripts),
    ...Object.values(programScripts),
    ...Object.values(feedScripts),
  ].flatMap((value) =>
    typeof value === "object" && value !== null && "sha" in value
      ? [[value.sha, value.name] as [string, string]]
      : [],
  ),
);

/** Forwards to a real client and counts waves of calls (a wave starts when nothing is in flight). */
class Tap implements RedisScriptClient {
  waves = 0;
  calls: { wave: number; keys: number; args: string[]; script: string }[] = [];
  loads = new Map<string, number>();
  /** Runs before a call reaches Redis (and delays it). */
  before: ((keys: readonly string[], script: string) => Promise<void>) | undefined;
  /** Scripts the server "knows": when set, any other sha answers NOSCRIPT. */
  known: Set<string> | undefined;
  #inFlight = 0;

  constructor(readonly client: Redis) {}

  reset(): void {
    this.waves = 0;
    this.calls = [];
  }

  async evalsha(sha1: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    if (this.#inFlight === 0) this.waves += 1;
    this.#inFlight += 1;
    try {
      const keys = rest.slice(0, numkeys).map(String);
      this.calls.push({
        wave: this.waves,
        keys: numkeys,
        args: rest.slice(numkeys).map(String),
        script: names.get(sha1) ?? sha1,
      });
      if (this.before !== undefined) await this.before(keys, names.get(sha1) ?? sha1);
      if (this.known !== undefined && !this.known.has(sha1))
        throw new Error("NOSCRIPT No matching script. Please use EVAL.");
      return await this.client.evalsha(sha1, numkeys, ...rest);
    } finally {
      this.#inFlight -= 1;
    }
  }

  eval(script: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    return this.client.eval(script, numkeys, ...rest);
  }

  async script(subcommand: "LOAD", source: string): Promise<unknown> {
    const sha = createHash("sha1").update(source).digest("hex");
    this.loads.set(sha, (this.loads.get(sha) ?? 0) + 1);
    this.known?.add(sha);
    return this.client.script(subcommand, source);
  }
}

describe.skipIf(skipReason !== undefined)("redis store round trips", () => {
  const prefix = newPrefix("trips");
  const client = skipReason === undefined ? connect() : undefined;
  let tap: Tap;
  let store: Store;
  let plain: Store;
  const P = "trips";

  const many = <T>(commands: readonly AccountCommand<T>[]) => {
    if (store.executeMany === undefined) throw new Error("no executeMany");
    return store.executeMany(commands);
  };
  /** Waves one call costs, after a warm-up that loaded every script it uses. */
  const measure = async (work: () => Promise<unknown>): Promise<number> => {
    tap.reset();
    await work();
    return tap.waves;
  };

  beforeAll(async () => {
    if (client === undefined) throw new Error("no Redis");
    tap = new Tap(client);
    store = redisStore({ client: tap, prefix });
    plain = redisStore({ client, prefix });
    // Warm up: load every script the measured paths use.
    await store.execute(credit({ programId: P, userId: "warm", requestId: "w1", coins: 5 }));
    await store.execute(
      credit({ programId: P, userId: "warm", requestId: "w2", coins: 5, expiresAt: 9_000 }),
    );
    await store.execute(
      credit({
        programId: P,
        userId: "warm",
        requestId: "w3",
        coins: 1,
        eventId: "B",
        budget: "1000",
      }),
    );
    await many([credit({ programId: P, userId: "warm", requestId: "w4", coins: 1 })]);
  });
  afterAll(async () => {
    if (client === undefined) return;
    await dropPrefix(client, prefix);
    client.disconnect();
  });

  it("execute - a redemption should cost 3 round trips: claim with read (and feed mark), commit, publication", async () => {
    await plain.execute(credit({ programId: P, userId: "r", requestId: "r-fund", coins: 10 }));
    const waves = await measure(() =>
      store.execute(debit({ programId: P, userId: "r", requestId: "r-1", coins: 1 })),
    );
    expect(waves).toBe(3);
    // The feed mark (1 key, its stripe's pending set) with one script that
    // claims the request id (3 keys: its claim, its holders, its claim of
    // version 0.1) and reads the account (8 keys); then the commit (9 keys);
    // then the entries published to the stripe (stream, pointers, pending,
    // and the liability totals, balances and pending lots index).
    expect(tap.calls.map((c) => [c.wave, c.script, c.keys])).toEqual([
      [1, "feed-mark", 1],
      [1, "claim-read", 11],
      [2, "commit", 9],
      [3, "feed-publish", 6],
    ]);
  });

  it("execute - without cross-slot scripts (as on a Cluster), should send the claim and the read together", async () => {
    const split = redisStore({ client: tap, prefix, crossSlotScripts: false });
    await plain.execute(credit({ programId: P, userId: "rs", requestId: "rs-fund", coins: 10 }));
    const waves = await measure(() =>
      split.execute(debit({ programId: P, userId: "rs", requestId: "rs-1", coins: 1 })),
    );
    expect(waves).toBe(3);
    // The feed mark in the stripe's slot, the claim in its own slot (claim,
    // holders), the read in the account's; then the commit; then the publication.
    expect(tap.calls.map((c) => [c.wave, c.script, c.keys])).toEqual([
      [1, "feed-mark", 1],
      [1, "claim-read", 2],
      [1, "claim-read", 8],
      [2, "commit", 9],
      [3, "feed-publish", 6],
    ]);
  });

  it("execute - a commit that meets a newer version should decide again on the state it answers", async () => {
    await plain.execute(credit({ programId: P, userId: "v", requestId: "v-fund", coins: 10 }));
    // Just before the first commit reaches Redis, another caller spends on the account.
    let armed = true;
    tap.before = async (_keys, script) => {
      if (!armed || script !== "commit") return;
      armed = false;
      await plain.execute(debit({ programId: P, userId: "v", requestId: "v-other", coins: 4 }));
    };
    try {
      const outcome = await measure(() =>
        store.execute(debit({ programId: P, userId: "v", requestId: "v-1", coins: 5 })),
      );
      expect(outcome).toBe(4);
    } finally {
      tap.before = undefined;
    }
    // No second read: the conflicting commit answered the account, the next commit applied.
    expect(tap.calls.map((c) => c.script)).toEqual([
      "feed-mark",
      "claim-read",
      "commit",
      "commit",
      "feed-publish",
    ]);
    const entries = await plain.history(P, "v", { limit: 10 });
    expect(entries.map((e) => [e.requestId, e.balanceAfter])).toEqual([
      ["v-1", "1"],
      ["v-other", "6"],
      ["v-fund", "10"],
    ]);
  });

  it("execute - a command whose reservation others saw should not be ordered after them", async () => {
    const spend = (requestId: string) =>
      credit({ programId: P, userId: "bo", requestId, coins: 6, eventId: "BO", budget: "10" });
    // While the first command's commit is held back (its reservation already
    // counted), a second one on the same account runs in full.
    let second: Promise<unknown> | undefined;
    tap.before = async (_keys, script) => {
      if (second !== undefined || script !== "commit") return;
      second = plain.execute(spend("bo-2"));
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    try {
      await store.execute(spend("bo-1"));
      await second;
    } finally {
      tap.before = undefined;
    }
    // The second saw the first's 6 coins of the budget: it must come after it on the account too.
    const first = await plain.findRequest(P, "bo-1");
    const next = await plain.findRequest(P, "bo-2");
    expect([first?.coins, first?.lotId]).toEqual(["6", 1]);
    expect([next?.coins, next?.lotId]).toEqual(["4", 2]);
  });

  it("execute - an allocation without budget or earlier expiry should cost 3 round trips", async () => {
    await plain.execute(
      credit({ programId: P, userId: "a", requestId: "a-0", coins: 1, expiresAt: 100 }),
    );
    expect(
      await measure(() =>
        store.execute(
          credit({ programId: P, userId: "a", requestId: "a-1", coins: 2, expiresAt: 500 }),
        ),
      ),
    ).toBe(3);
  });

  it("execute - an allocation checking its event's version should send that read with the claim and read", async () => {
    await plain.execute(
      credit({ programId: P, userId: "ev", requestId: "ev-0", coins: 1, expiresAt: 100 }),
    );
    const command = credit({ programId: P, userId: "ev", requestId: "ev-1", coins: 2 });
    const checking = { ...command, reads: { ...command.reads, eventId: "E" } };
    expect(await measure(() => store.execute(checking))).toBe(3);
    expect(tap.calls.map((c) => [c.wave, c.script])).toEqual([
      [1, "feed-mark"],
      [1, "claim-read"],
      [1, "hget"],
      [2, "commit"],
      [3, "feed-publish"],
    ]);
  });

  it("execute - a budget reservation and a lowered expiry should share one round trip, after the account is held", async () => {
    await plain.execute(
      credit({ programId: P, userId: "e", requestId: "e-0", coins: 1, expiresAt: 800 }),
    );
    const waves = await measure(() =>
      store.execute(
        credit({
          programId: P,
          userId: "e",
          requestId: "e-1",
          coins: 2,
          expiresAt: 400,
          eventId: "B",
          budget: "1000",
        }),
      ),
    );
    // Claim with read, budget and feed mark; the account held at its version;
    // reservation with lowered expiry; commit (which drops the hold); exact
    // expiry with the feed publication.
    expect(waves).toBe(5);
    expect(tap.calls.map((c) => [c.wave, c.script])).toEqual([
      [1, "feed-mark"],
      [1, "claim-read"],
      [1, "get"],
      [2, "lock-accounts"],
      [3, "swap-budget"],
      [3, "lower-expiry"],
      [4, "commit"],
      [5, "set-expiry"],
      [5, "feed-publish"],
    ]);
    expect(await plain.findExpiring(P, 450, { limit: 10 })).toContain("e");
  });

  it("execute - a budget give-back should cost two round trips, the account held and the give-back before the commit", async () => {
    await plain.execute(
      credit({ programId: P, userId: "g", requestId: "g-0", coins: 7, eventId: "G", budget: "50" }),
    );
    const giveBack: AccountCommand<string> = {
      programId: P,
      userId: "g",
      request: { requestId: "g-1", fingerprint: "give-back" },
      reads: { ...emptyReads, budgetEventId: "G" },
      decide: (snapshot) => ({
        change: {
          lots: [],
          totals: snapshot.totals,
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq,
          entries: [],
          usage: {},
          requests: [],
          budget: { eventId: "G", add: "-3", limit: "0" },
        },
        result: "given back",
      }),
    };
    // Four the caller waits for; a fifth, the feed mark dropped (no entries
    // were committed), is sent without waiting for its answer.
    expect(await measure(() => store.execute(giveBack))).toBe(5);
    // Claim with read, the budget and the feed mark; the account held at the
    // version read; the compare-and-set on the counter; the commit (which
    // drops the hold).
    expect(tap.calls.map((c) => [c.wave, c.script])).toEqual([
      [1, "feed-mark"],
      [1, "claim-read"],
      [1, "get"],
      [2, "lock-accounts"],
      [3, "swap-budget"],
      [4, "commit"],
      [5, "feed-unmark"],
    ]);
    expect(await plain.getBudgetUsed(P, "G")).toBe("4");
  });

  it("executeMany - should cost 3 round trips for any number of accounts", async () => {
    const commands = Array.from({ length: 40 }, (_, i) =>
      credit({ programId: P, userId: `m${i % 10}`, requestId: `m-${i}`, coins: 1 }),
    );
    const waves = await measure(() => many(commands));
    expect(waves).toBe(3);
    // 10 feed marks in one call; 40 claims (3 keys each) and 10 reads (8 each)
    // in one call; then 10 commits in one; then one publication per feed stripe.
    const stripes = new Set(Array.from({ length: 10 }, (_, u) => expiryStripe(`m${u}`))).size;
    expect(tap.calls.map((c) => [c.wave, c.script, c.keys])).toEqual([
      [1, "feed-mark", 10],
      [1, "claim-read", 40 * 3 + 10 * 8],
      [2, "commit", 10 * 9],
      ...Array.from({ length: stripes }, () => [3, "feed-publish", 6]),
    ]);
    for (let u = 0; u < 10; u += 1)
      expect(balanceOf(await plain.loadAccount(P, `m${u}`, emptyReads))).toBe(4);
  });

  it("executeMany - with an event budget, should add two round trips: the accounts held, the reservation", async () => {
    const commands = Array.from({ length: 12 }, (_, i) =>
      credit({
        programId: P,
        userId: `mb${i % 4}`,
        requestId: `mb-${i}`,
        coins: 2,
        eventId: "MB",
        budget: "15",
      }),
    );
    expect(await measure(() => many(commands))).toBe(5);
    const stripes = new Set(Array.from({ length: 4 }, (_, u) => expiryStripe(`mb${u}`))).size;
    expect(tap.calls.map((c) => [c.wave, c.script])).toEqual([
      [1, "feed-mark"],
      [1, "claim-read"],
      [1, "get"],
      [2, "lock-accounts"],
      [3, "swap-budget"],
      [4, "commit"],
      ...Array.from({ length: stripes }, () => [5, "feed-publish"]),
    ]);
    expect(await plain.getBudgetUsed(P, "MB")).toBe("15");
  });

  it("executeMany - should decide an account again when its commit meets a newer version", async () => {
    await plain.execute(credit({ programId: P, userId: "c", requestId: "c-fund", coins: 10 }));
    let decided = 0;
    const spend = debit({ programId: P, userId: "c", requestId: "c-batch", coins: 6 });
    const counted: typeof spend = {
      ...spend,
      decide(snapshot) {
        decided += 1;
        return spend.decide(snapshot);
      },
    };
    // Just before the batch's first commit reaches Redis, another caller spends on the account.
    let armed = true;
    tap.before = async (_keys, script) => {
      if (!armed || script !== "commit") return;
      armed = false;
      await plain.execute(debit({ programId: P, userId: "c", requestId: "c-other", coins: 3 }));
    };
    try {
      const outcomes = await many<unknown>([
        counted,
        credit({ programId: P, userId: "c2", requestId: "c2-1", coins: 1 }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["committed", "committed"]);
    } finally {
      tap.before = undefined;
    }
    expect(decided).toBe(2);
    const snapshot = await plain.loadAccount(P, "c", emptyReads);
    expect([snapshot.version, balanceOf(snapshot)]).toEqual([3, 1]);
    const entries = await plain.history(P, "c", { limit: 10 });
    expect(entries.map((e) => [e.requestId, e.balanceAfter])).toEqual([
      ["c-batch", "1"],
      ["c-other", "7"],
      ["c-fund", "10"],
    ]);
  });

  it("executeMany - after NOSCRIPT, should load each script once however many calls met it", async () => {
    const fresh = new Tap(client as Redis);
    fresh.known = new Set();
    const s = redisStore({ client: fresh, prefix });
    if (s.executeMany === undefined) throw new Error("no executeMany");
    const outcomes = await s.executeMany(
      Array.from({ length: 30 }, (_, i) =>
        credit({ programId: P, userId: `n${i}`, requestId: `n-${i}`, coins: 1 }),
      ),
    );
    expect(outcomes.every((o) => o.status === "committed")).toBe(true);
    expect([...fresh.loads.values()].every((count) => count === 1)).toBe(true);
    expect(fresh.loads.size).toBeGreaterThanOrEqual(2); // claim-read, commit
  });
});
