/**
 * Data written by version 0.1 of the store: accounts without totals (open
 * lots in a plain set), request-id claims and the expiry index in the
 * program slot. The test books real commands, rewrites their keys into the
 * 0.1 layout, and checks that this version reads, migrates and extends them.
 */
import { type Coinage, createCoinage, type Lot } from "@coinage/core";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore, upgradeRedisStore } from "../src/index.js";
import { EXPIRY_STRIPES, orderedMember, programKeys } from "../src/keys.js";
import { checkProgram } from "./invariants.js";
import { connect, dropPrefix, newPrefix, skipReason } from "./support.js";

const DAY = 86_400_000;
const T0 = Date.parse("2026-03-15T12:00:00.000Z");

/** Rewrites one account (and the program's claims and expiry index) into the 0.1 layout. */
async function downgrade(
  client: Redis,
  prefix: string,
  programId: string,
  userId: string,
): Promise<void> {
  const keys = programKeys(prefix, programId);
  const account = keys.account(userId);
  const earliest = await client.zrange(account.fifo, 0, 0, "WITHSCORES");
  const members = await client.zrange(account.fifo, 0, -1);
  await client.hdel(account.head, "open", "pending", "asOf", "nextChangeAt");
  await client.hset(
    account.head,
    "minExpiry",
    earliest[1] === undefined || earliest[1] === "inf" ? "" : earliest[1],
  );
  if (members.length > 0)
    await client.sadd(account.legacyOpen, ...members.map((m) => m.slice(m.indexOf(":") + 1)));
  await client.del(account.fifo, account.avail);
  // Lots as 0.1 wrote them before `expired` and `shortfall` existed.
  for (const [id, json] of Object.entries(await client.hgetall(account.lots))) {
    const { expired: _e, shortfall: _s, ...lot } = JSON.parse(json) as Lot;
    await client.hset(account.lots, id, JSON.stringify(lot));
  }
  for (const requestId of Object.keys(await client.hgetall(account.requests))) {
    const claim = keys.claim(requestId);
    const owner = await client.get(claim.claim);
    if (owner !== null) await client.set(claim.legacy, owner);
    await client.del(claim.claim, claim.holders);
  }
  const legacy = keys.expiryStripes[EXPIRY_STRIPES];
  if (legacy === undefined) throw new Error("no legacy expiry index");
  for (const stripe of keys.expiryStripes.slice(0, EXPIRY_STRIPES)) {
    const entries = await client.zrange(stripe.index, 0, -1, "WITHSCORES");
    for (let i = 0; i < entries.length; i += 2)
      await client.zadd(legacy.index, entries[i + 1] as string, entries[i] as string);
    const versions = await client.hgetall(stripe.versions);
    if (Object.keys(versions).length > 0) await client.hset(legacy.versions, versions);
    await client.del(stripe.index, stripe.versions);
  }
}

describe.skipIf(skipReason !== undefined)("redis store on data of version 0.1", () => {
  const prefix = newPrefix("legacy");
  const client = skipReason === undefined ? connect() : undefined;
  const programId = "legacy-program";
  let now = T0;
  const engine = (): Coinage => {
    if (client === undefined) throw new Error("no Redis");
    return createCoinage({
      store: redisStore({ client, prefix }),
      program: { id: programId, coinValue: "1" },
      clock: { now: () => new Date(now) },
    });
  };
  const raw = () => {
    if (client === undefined) throw new Error("no Redis");
    return client;
  };

  beforeAll(async () => {
    const coins = engine();
    await coins.events.create({
      id: "E",
      name: "e",
      reward: { kind: "fixed", coins: "10" },
      expiry: { days: 30 },
    });
    await coins.events.create({
      id: "LATER",
      name: "later",
      reward: { kind: "fixed", coins: "5" },
      activation: { days: 2 },
    });
    for (const userId of ["reader", "writer"]) {
      await coins.allocate({ userId, event: "E", requestId: `${userId}-a1` });
      now += 3_600_000;
      await coins.allocate({ userId, event: "LATER", requestId: `${userId}-a2` });
      await coins.redeem({ userId, coins: "3", requestId: `${userId}-r1` });
      await downgrade(raw(), prefix, programId, userId);
    }
  });
  afterAll(async () => {
    if (client === undefined) return;
    await dropPrefix(client, prefix);
    client.disconnect();
  });

  it("a read - should see the 0.1 account as it was and migrate it once", async () => {
    const account = programKeys(prefix, programId).account("reader");
    expect(await raw().hget(account.head, "asOf")).toBeNull();
    const balance = await engine().balance("reader");
    expect([balance.available, balance.pending]).toEqual(["7", "5"]);
    expect(balance.nextExpiry?.coins).toBe("7");
    // Migrated: totals on the head, both lot indexes, no open set.
    const head = await raw().hgetall(account.head);
    expect([head.open, head.pending, head.minExpiry]).toEqual(["12", "5", undefined]);
    expect(await raw().zcard(account.fifo)).toBe(2);
    expect(await raw().zcard(account.avail)).toBe(2);
    expect(await raw().exists(account.legacyOpen)).toBe(0);
    // Once the pending lot is available, a read counts it from the totals and the activated lot.
    now += 2 * DAY;
    const later = await engine().balance("reader");
    expect([later.available, later.pending]).toEqual(["12", "0"]);
  });

  it("a write - should migrate the account and commit on it", async () => {
    const coins = engine();
    now = T0 + 3 * DAY;
    const redeemed = await coins.redeem({ userId: "writer", coins: "9", requestId: "writer-r2" });
    expect(redeemed.balance.available).toBe("3");
    const history = await coins.history("writer");
    expect(history.items.map((e) => [e.type, e.coins, e.balanceAfter])).toEqual([
      ["redeem", "-9", "3"],
      ["redeem", "-3", "12"],
      ["earn", "5", "15"],
      ["earn", "10", "10"],
    ]);
    await checkProgram(raw(), prefix, programId);
  });

  it("request ids booked by 0.1 - should replay, reverse and stay taken for other users", async () => {
    const coins = engine();
    const first = await coins.allocate({ userId: "reader", event: "E", requestId: "reader-a1" });
    expect(first.coins).toBe("10");
    expect((await coins.balance("reader")).available).toBe("12");
    // Another user under the same id meets the first user's record (another payload: a
    // conflict), and books nothing.
    const other = await coins
      .allocate({ userId: "someone-else", event: "E", requestId: "reader-a1" })
      .catch((error: unknown) => error);
    expect(other).toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
    expect((await coins.balance("someone-else")).available).toBe("0");
    // A reversal finds the 0.1 record through its claim.
    const reversed = await coins.reverse({ requestId: "reader-x1", of: "reader-r1" });
    expect(reversed.coins).toBe("3");
    expect((await coins.balance("reader")).available).toBe("15");
  });

  it("the expiry index of 0.1 - should be swept and moved to the stripes", async () => {
    const keys = programKeys(prefix, programId);
    const legacy = keys.expiryStripes[EXPIRY_STRIPES];
    expect(await raw().zscore(legacy?.index ?? "", orderedMember("reader"))).not.toBeNull();
    now = T0 + 31 * DAY;
    // The writer spent its expiring lot: only the reader's coins expire.
    const swept = await engine().expire();
    expect([swept.accounts, swept.coins]).toEqual([1, "10"]);
    expect(await raw().zcard(legacy?.index ?? "")).toBe(0);
    expect(await engine().expire()).toMatchObject({ accounts: 0 });
    await checkProgram(raw(), prefix, programId);
  });

  it("upgradeRedisStore - should copy the 0.1 claims, so that a store without cross-slot scripts keeps them", async () => {
    // Six 0.1 claims; one of them ("reader-a1") was copied already by its replay above.
    expect(await upgradeRedisStore({ client: raw(), prefix })).toEqual({
      claims: 6,
      copied: 5,
      conflicts: [],
    });
    expect(await upgradeRedisStore({ client: raw(), prefix })).toEqual({
      claims: 6,
      copied: 0,
      conflicts: [],
    });
    const split = createCoinage({
      store: redisStore({ client: raw(), prefix, crossSlotScripts: false }),
      program: { id: programId, coinValue: "1" },
      clock: { now: () => new Date(now) },
    });
    const other = await split
      .allocate({ userId: "someone-else", event: "E", requestId: "writer-a1" })
      .catch((error: unknown) => error);
    expect(other).toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
    expect((await split.balance("someone-else")).available).toBe("0");
  });
});
