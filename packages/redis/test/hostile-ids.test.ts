import { createCoinage, type Store } from "@coinage/core";
import { afterAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { decodeId, encodeId, fromOrderedMember, orderedMember } from "../src/keys.js";
import { balanceOf, credit, emptyReads } from "./commands.js";
import { checkProgram } from "./invariants.js";
import { connect, dropPrefix, keysUnder, newPrefix, skipReason } from "./support.js";

const hostile = [
  "a:b",
  "b",
  "x",
  "x:a",
  "{x}",
  "}{",
  "{",
  "}",
  "a b",
  " ",
  "",
  "'quoted'",
  '"double"',
  "back\\slash",
  "per%cent",
  "%0041",
  "~",
  "ünïcødé",
  "日本語",
  "emoji 🎉",
  "lone \ud800 surrogate",
  "line\nbreak",
  "x".repeat(200),
  `${"{:}".repeat(66)}ab`,
];

/** What the engine accepts: non-empty, well-formed unicode, at most 200 code units. */
const engineIds = hostile.filter((id) => id !== "" && !id.includes("\ud800"));

describe("key encoding", () => {
  it("encodeId - is injective and free of tag characters", () => {
    const encoded = hostile.map(encodeId);
    expect(new Set(encoded).size).toBe(hostile.length);
    for (const [i, e] of encoded.entries()) {
      expect(e).toMatch(/^[A-Za-z0-9_%~-]+$/);
      expect(decodeId(e)).toBe(hostile[i]);
    }
  });

  it("orderedMember - sorts like JavaScript strings and round-trips", () => {
    const sorted = [...hostile].sort();
    const bySortedMember = [...hostile].map(orderedMember).sort().map(fromOrderedMember);
    expect(bySortedMember).toEqual(sorted);
  });
});

describe.skipIf(skipReason !== undefined)("redis store with hostile ids", () => {
  const prefix = newPrefix("hostile");
  const client = skipReason === undefined ? connect() : undefined;
  const store = (): Store => {
    if (client === undefined) throw new Error("no Redis");
    return redisStore({ client, prefix });
  };
  afterAll(async () => {
    if (client === undefined) return;
    await dropPrefix(client, prefix);
    client.disconnect();
  });

  it("ids with braces, colons, spaces, quotes, unicode and 200 characters - should round-trip without collisions", async () => {
    const programs = engineIds;
    // Every (program, user) pair books its own amount, so any collision shows.
    for (const [p, programId] of programs.slice(0, 8).entries()) {
      const coins = createCoinage({ store: store(), program: { id: programId, coinValue: "1" } });
      await coins.events.create({
        id: programId,
        name: "e",
        reward: { kind: "fixed", coins: String(p + 1) },
      });
      // Request ids are hostile too: each user's id doubles as its request id.
      for (const userId of engineIds) {
        await coins.allocate({ userId, event: programId, requestId: userId });
      }
    }
    for (const [p, programId] of programs.slice(0, 8).entries()) {
      const coins = createCoinage({ store: store(), program: { id: programId, coinValue: "1" } });
      expect((await coins.events.get(programId)).id).toBe(programId);
      expect((await coins.events.list()).items.map((e) => e.id)).toEqual([programId]);
      for (const userId of engineIds) {
        const balance = await coins.balance(userId);
        expect(balance.userId).toBe(userId);
        expect(balance.available, `${programId} / ${userId}`).toBe(String(p + 1));
        const history = await coins.history(userId);
        expect(history.items.map((e) => e.requestId)).toEqual([userId]);
        expect((await store().findRequest(programId, userId))?.userId).toBe(userId);
      }
      if (client === undefined) throw new Error("no Redis");
      const facts = await checkProgram(client, prefix, programId);
      expect([...facts.users].sort()).toEqual([...engineIds].sort());
    }
  });

  it('user "a:b" in program "px" and user "b" in program "px:a" - should use different keys in different slots', async () => {
    const s = store();
    const one = createCoinage({ store: s, program: { id: "px", coinValue: "1" } });
    const two = createCoinage({ store: s, program: { id: "px:a", coinValue: "1" } });
    await one.events.create({ id: "E", name: "e", reward: { kind: "fixed", coins: "3" } });
    await two.events.create({ id: "E", name: "e", reward: { kind: "fixed", coins: "4" } });
    await one.allocate({ userId: "a:b", event: "E", requestId: "same" });
    await two.allocate({ userId: "b", event: "E", requestId: "same" });
    expect((await one.balance("a:b")).available).toBe("3");
    expect((await two.balance("b")).available).toBe("4");
    expect((await one.balance("b")).available).toBe("0");
    if (client === undefined) throw new Error("no Redis");
    const keys = await keysUnder(client, prefix);
    expect(keys).toContain(`${prefix}:{px:a%003ab}:head`);
    expect(keys).toContain(`${prefix}:{px%003aa:b}:head`);
  });

  it("empty ids and lone surrogates - should still get their own keys at the store level", async () => {
    const s = store();
    const odd = ["", "\ud800", "\ufffd", "~", "%"];
    for (const [i, userId] of odd.entries()) {
      for (const programId of odd) {
        await s.execute(credit({ programId, userId, requestId: userId, coins: i + 1 }));
      }
    }
    for (const [i, userId] of odd.entries()) {
      for (const programId of odd) {
        const snapshot = await s.loadAccount(programId, userId, emptyReads);
        expect(
          balanceOf(snapshot),
          `${JSON.stringify(programId)} / ${JSON.stringify(userId)}`,
        ).toBe(i + 1);
        expect((await s.findRequest(programId, userId))?.userId).toBe(userId);
      }
    }
  });

  it("event ids - should list in JavaScript string order whatever their characters", async () => {
    const s = store();
    const ids = hostile;
    for (const id of ids) {
      await s.insertEvent("order", {
        id,
        name: id,
        status: "active",
        reward: { kind: "fixed", coins: "1" },
        version: 1,
      });
    }
    const listed: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await s.listEvents(
        "order",
        after === undefined ? { limit: 5 } : { limit: 5, after },
      );
      listed.push(...page.map((e) => e.id));
      if (page.length < 5) break;
      after = page[page.length - 1]?.id;
    }
    expect(listed).toEqual([...ids].sort());
  });
});
