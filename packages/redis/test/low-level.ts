/**
 * The store's own tests, run against any Redis deployment: `execute` with
 * hand-written `decide` functions, events, history, budgets, the expiry index.
 */
import { type AccountCommand, type BatchOutcome, CoinageError, type Store } from "@coinage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balanceOf, credit, debit, emptyReads, expireLots } from "./commands.js";

export interface LowLevelTarget {
  /** A fresh store with its own key prefix. */
  create(): Promise<Store>;
  close?(): Promise<void>;
}

export function describeLowLevel(
  name: string,
  target: () => LowLevelTarget,
  skipReason?: string,
): void {
  describe.skipIf(skipReason !== undefined)(`${name} store (low level)`, () => {
    let store: Store;
    let t: LowLevelTarget;
    const P = "prog";

    beforeAll(async () => {
      t = target();
      store = await t.create();
    });
    afterAll(async () => {
      await t?.close?.();
    });

    it("execute - should write nothing when decide throws", async () => {
      const thrown = await store
        .execute({
          ...debit({ programId: P, userId: "broke", requestId: "r-broke", coins: 5 }),
        })
        .catch((error: unknown) => error);
      expect(CoinageError.is(thrown, "INSUFFICIENT_COINS")).toBe(true);
      const snapshot = await store.loadAccount(P, "broke", emptyReads);
      expect(snapshot.version).toBe(0);
      expect(snapshot.lots).toEqual([]);
      expect(await store.findRequest(P, "r-broke")).toBeNull();
      expect(await store.history(P, "broke", { limit: 10 })).toEqual([]);
      // The same request id may be retried once the account can pay.
      await store.execute(
        credit({ programId: P, userId: "broke", requestId: "r-fund", coins: 10 }),
      );
      const outcome = await store.execute(
        debit({ programId: P, userId: "broke", requestId: "r-broke", coins: 5 }),
      );
      expect(outcome.status).toBe("committed");
    });

    it("execute - should commit exactly one of 20 parallel calls with one requestId", async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.execute(credit({ programId: P, userId: "dup", requestId: "r-dup", coins: 7 })),
        ),
      );
      expect(outcomes.filter((o) => o.status === "committed")).toHaveLength(1);
      const replays = outcomes.filter((o) => o.status === "replayed");
      expect(replays).toHaveLength(19);
      for (const outcome of replays) expect(outcome.record.requestId).toBe("r-dup");
      const snapshot = await store.loadAccount(P, "dup", emptyReads);
      expect(snapshot.version).toBe(1);
      expect(balanceOf(snapshot)).toBe(7);
      expect((await store.findRequest(P, "r-dup"))?.coins).toBe("7");
    });

    it("execute - should serialise 50 parallel commands on one account", async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.execute(
            credit({ programId: P, userId: "hot", requestId: `r-hot-${i}`, coins: i + 1 }),
          ),
        ),
      );
      const snapshot = await store.loadAccount(P, "hot", emptyReads);
      expect(snapshot.version).toBe(50);
      expect(snapshot.lots.map((lot) => lot.id)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      expect(balanceOf(snapshot)).toBe((50 * 51) / 2);
      const entries = await store.history(P, "hot", { limit: 100 });
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
      // Every balanceAfter is the running sum: no command saw stale state.
      const running = [...entries].reverse().map((e) => Number(e.balanceAfter));
      let sum = 0;
      running.forEach((value, i) => {
        sum += Number(entries[entries.length - 1 - i]?.coins);
        expect(value).toBe(sum);
      });
    });

    it("execute - should never overspend under parallel debits", async () => {
      await store.execute(
        credit({ programId: P, userId: "spend", requestId: "r-spend-fund", coins: 10 }),
      );
      const outcomes = await Promise.allSettled(
        Array.from({ length: 15 }, (_, i) =>
          store.execute(
            debit({ programId: P, userId: "spend", requestId: `r-spend-${i}`, coins: 1 }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(10);
      for (const o of outcomes) {
        if (o.status === "rejected")
          expect(CoinageError.is(o.reason, "INSUFFICIENT_COINS")).toBe(true);
      }
      expect(balanceOf(await store.loadAccount(P, "spend", emptyReads))).toBe(0);
    });

    it("execute - should keep an event budget within its limit across accounts", async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.execute(
            credit({
              programId: P,
              userId: `b-${i}`,
              requestId: `r-b-${i}`,
              coins: 7,
              eventId: "PROMO",
              budget: "100.5",
            }),
          ),
        ),
      );
      const handed = outcomes.reduce(
        (sum, o) =>
          sum + (o.status === "committed" ? Number((o.result as { coins: string }).coins) : 0),
        0,
      );
      // 14 × 7 = 98, then one clipped to the 2.5 left; the rest get nothing.
      expect(handed).toBe(100.5);
      expect(await store.getBudgetUsed(P, "PROMO")).toBe("100.5");
    });

    it("execute - should give the budget reservation back on a replay", async () => {
      const command = () =>
        store.execute(
          credit({
            programId: P,
            userId: "rb",
            requestId: "r-rb",
            coins: 3,
            eventId: "RB",
            budget: "50",
          }),
        );
      await Promise.all([command(), command(), command(), command()]);
      expect(await store.getBudgetUsed(P, "RB")).toBe("3");
    });

    it("execute - should answer replayed for a request id taken in another account", async () => {
      await store.execute(
        credit({ programId: P, userId: "owner", requestId: "r-shared", coins: 2 }),
      );
      const outcome = await store.execute(
        credit({ programId: P, userId: "other", requestId: "r-shared", coins: 2 }),
      );
      expect(outcome.status).toBe("replayed");
      if (outcome.status === "replayed") expect(outcome.record.userId).toBe("owner");
      expect((await store.loadAccount(P, "other", emptyReads)).version).toBe(0);
    });

    it("execute - two users sending one request id at once should never both commit", async () => {
      for (let round = 0; round < 20; round += 1) {
        const requestId = `r-race-${round}`;
        const users = [`race-a-${round}`, `race-b-${round}`, `race-c-${round}`];
        const settled = await Promise.allSettled(
          users.map((userId) =>
            store.execute(credit({ programId: P, userId, requestId, coins: 1 })),
          ),
        );
        const committed = settled.filter(
          (s) => s.status === "fulfilled" && s.value.status === "committed",
        );
        expect(committed, requestId).toHaveLength(1);
        for (const s of settled) {
          if (s.status === "rejected")
            expect(CoinageError.is(s.reason, "IDEMPOTENCY_CONFLICT"), String(s.reason)).toBe(true);
          else if (s.value.status === "replayed")
            expect(s.value.record.userId).toBe((await store.findRequest(P, requestId))?.userId);
        }
        const versions = await Promise.all(
          users.map(async (userId) => (await store.loadAccount(P, userId, emptyReads)).version),
        );
        expect(
          versions.filter((v) => v > 0),
          requestId,
        ).toHaveLength(1);
      }
    });

    it("loadAccount - should read usage, requests and closed lots asked for", async () => {
      await store.execute(
        credit({
          programId: P,
          userId: "reads",
          requestId: "r-reads-1",
          coins: 4,
          usageKey: "E:day:1",
        }),
      );
      await store.execute(
        debit({ programId: P, userId: "reads", requestId: "r-reads-2", coins: 4 }),
      );
      const plain = await store.loadAccount(P, "reads", emptyReads);
      expect(plain.lots).toEqual([]);
      const asked = await store.loadAccount(P, "reads", {
        ...emptyReads,
        usageKeys: ["E:day:1", "E:day:2"],
        requestIds: ["r-reads-1", "r-missing", "r-dup"],
        lotIds: [1],
      });
      expect(asked.usage).toEqual({ "E:day:1": "4" });
      expect(Object.keys(asked.requests)).toEqual(["r-reads-1"]);
      expect(asked.lots.map((lot) => [lot.id, lot.remaining])).toEqual([[1, "0"]]);
      expect(asked.nextLotId).toBe(2);
      expect(asked.nextEntrySeq).toBe(3);
    });

    it("loadAccount - should read a lot stored without expired and shortfall with both 0", async () => {
      // `credit` writes its lot as stores did before the two fields existed.
      await store.execute(credit({ programId: P, userId: "old", requestId: "r-old", coins: 6 }));
      const [lot] = (await store.loadAccount(P, "old", emptyReads)).lots;
      expect(lot).toMatchObject({ id: 1, remaining: "6", expired: "0", shortfall: "0" });
    });

    it("history - should page newest first by seq", async () => {
      for (let i = 0; i < 5; i += 1) {
        await store.execute(
          credit({ programId: P, userId: "pages", requestId: `r-pages-${i}`, coins: 1 }),
        );
      }
      const first = await store.history(P, "pages", { limit: 2 });
      expect(first.map((e) => e.seq)).toEqual([5, 4]);
      const second = await store.history(P, "pages", { limit: 2, beforeSeq: 4 });
      expect(second.map((e) => e.seq)).toEqual([3, 2]);
      const last = await store.history(P, "pages", { limit: 2, beforeSeq: 2 });
      expect(last.map((e) => e.seq)).toEqual([1]);
    });

    it("events - should insert once, replace by version and list by id", async () => {
      const event = {
        id: "B",
        name: "b",
        status: "active",
        reward: { kind: "fixed", coins: "5" },
        version: 1,
      } as const;
      expect(await store.insertEvent(P, event)).toBe(true);
      expect(await store.insertEvent(P, event)).toBe(false);
      expect(await store.insertEvent(P, { ...event, id: "A" })).toBe(true);
      expect(await store.insertEvent(P, { ...event, id: "C" })).toBe(true);
      expect(await store.replaceEvent(P, { ...event, name: "b2", version: 2 }, 2)).toBe(false);
      expect(await store.replaceEvent(P, { ...event, name: "b2", version: 2 }, 1)).toBe(true);
      expect(await store.replaceEvent(P, { ...event, id: "missing", version: 2 }, 1)).toBe(false);
      expect((await store.getEvent(P, "B"))?.name).toBe("b2");
      expect(await store.getEvent(P, "missing")).toBeNull();
      expect((await store.listEvents(P, { limit: 10 })).map((e) => e.id)).toEqual(["A", "B", "C"]);
      expect((await store.listEvents(P, { limit: 1, after: "A" })).map((e) => e.id)).toEqual(["B"]);
      expect(await store.listEvents("other-program", { limit: 10 })).toEqual([]);
    });

    const many = <T>(commands: readonly AccountCommand<T>[]) => {
      if (store.executeMany === undefined) throw new Error("the store has no executeMany");
      return store.executeMany(commands);
    };
    const statuses = (outcomes: readonly BatchOutcome<unknown>[]) =>
      outcomes.map((o) =>
        o.status === "failed" ? (CoinageError.is(o.error) ? o.error.code : "error") : o.status,
      );

    it("executeMany - should apply mixed accounts in order and fail one command alone", async () => {
      const M = "many-mixed";
      const outcomes = await many<unknown>([
        credit({ programId: M, userId: "a", requestId: "m1", coins: 5 }),
        credit({ programId: M, userId: "b", requestId: "m2", coins: 3 }),
        debit({ programId: M, userId: "a", requestId: "m3", coins: 4 }),
        credit({ programId: M, userId: "a", requestId: "m4", coins: 2 }),
        debit({ programId: M, userId: "b", requestId: "m5", coins: 10 }),
        credit({ programId: M, userId: "c", requestId: "m6", coins: 1 }),
        debit({ programId: M, userId: "a", requestId: "m7", coins: 3 }),
      ]);
      expect(statuses(outcomes)).toEqual([
        "committed",
        "committed",
        "committed",
        "committed",
        "INSUFFICIENT_COINS",
        "committed",
        "committed",
      ]);
      expect(outcomes[3]).toEqual({ status: "committed", result: { coins: "2", lotId: 2 } });
      const a = await store.loadAccount(M, "a", emptyReads);
      expect(a.version).toBe(4);
      expect(balanceOf(a)).toBe(0);
      expect(a.nextLotId).toBe(3);
      const entries = await store.history(M, "a", { limit: 10 });
      expect(entries.map((e) => [e.seq, e.requestId, e.balanceAfter])).toEqual([
        [4, "m7", "0"],
        [3, "m4", "3"],
        [2, "m3", "1"],
        [1, "m1", "5"],
      ]);
      expect(balanceOf(await store.loadAccount(M, "b", emptyReads))).toBe(3);
      expect(balanceOf(await store.loadAccount(M, "c", emptyReads))).toBe(1);
      // The failed command left no record and may be retried once the account can pay.
      expect(await store.findRequest(M, "m5")).toBeNull();
      expect((await store.findRequest(M, "m4"))?.userId).toBe("a");
      await store.execute(credit({ programId: M, userId: "b", requestId: "m8", coins: 7 }));
      const retried = await many([
        debit({ programId: M, userId: "b", requestId: "m5", coins: 10 }),
      ]);
      expect(statuses(retried)).toEqual(["committed"]);
      expect(balanceOf(await store.loadAccount(M, "b", emptyReads))).toBe(0);
    });

    it("executeMany - should replay recorded ids, duplicates and ids taken by another account", async () => {
      const M = "many-replay";
      await store.execute(credit({ programId: M, userId: "a", requestId: "r1", coins: 4 }));
      const outcomes = await many<unknown>([
        credit({ programId: M, userId: "a", requestId: "r1", coins: 4 }),
        credit({ programId: M, userId: "a", requestId: "r2", coins: 6 }),
        credit({ programId: M, userId: "a", requestId: "r2", coins: 6 }),
        credit({ programId: M, userId: "b", requestId: "r2", coins: 6 }),
        credit({ programId: M, userId: "b", requestId: "r1", coins: 1 }),
        // Claimed for "x", whose decision throws: while the batch runs, the id has no record.
        debit({ programId: M, userId: "x", requestId: "r-x", coins: 1 }),
        credit({ programId: M, userId: "b", requestId: "r-x", coins: 1 }),
        credit({ programId: M, userId: "b", requestId: "r3", coins: 2 }),
      ]);
      expect(statuses(outcomes)).toEqual([
        "replayed",
        "committed",
        "replayed",
        "replayed",
        "replayed",
        "INSUFFICIENT_COINS",
        "IDEMPOTENCY_CONFLICT",
        "committed",
      ]);
      const record = (i: number) => {
        const outcome = outcomes[i];
        return outcome?.status === "replayed" ? outcome.record : undefined;
      };
      expect(record(0)?.coins).toBe("4");
      expect([record(2)?.requestId, record(2)?.userId, record(2)?.coins]).toEqual(["r2", "a", "6"]);
      expect(record(3)?.userId).toBe("a");
      expect([record(4)?.requestId, record(4)?.userId]).toEqual(["r1", "a"]);
      const a = await store.loadAccount(M, "a", emptyReads);
      expect([a.version, balanceOf(a)]).toEqual([2, 10]);
      const b = await store.loadAccount(M, "b", emptyReads);
      expect([b.version, balanceOf(b)]).toEqual([1, 2]);
      // Run again: everything it booked is replayed, nothing is booked twice.
      const again = await many<unknown>([
        credit({ programId: M, userId: "a", requestId: "r2", coins: 6 }),
        credit({ programId: M, userId: "b", requestId: "r3", coins: 2 }),
      ]);
      expect(statuses(again)).toEqual(["replayed", "replayed"]);
      expect((await store.loadAccount(M, "a", emptyReads)).version).toBe(2);
      // Nothing was committed under "r-x": its claim was given back, the id is free.
      expect(await store.findRequest(M, "r-x")).toBeNull();
      const freed = await many<unknown>([
        credit({ programId: M, userId: "b", requestId: "r-x", coins: 1 }),
      ]);
      expect(statuses(freed)).toEqual(["committed"]);
      expect((await store.findRequest(M, "r-x"))?.userId).toBe("b");
    });

    it("execute - a call that fails leaves its request id free for another user", async () => {
      const M = "failed-claim";
      const thrown = await store
        .execute(debit({ programId: M, userId: "x", requestId: "r-free", coins: 5 }))
        .catch((error: unknown) => error);
      expect(CoinageError.is(thrown, "INSUFFICIENT_COINS")).toBe(true);
      const outcome = await store.execute(
        credit({ programId: M, userId: "y", requestId: "r-free", coins: 3 }),
      );
      expect(outcome.status).toBe("committed");
      expect((await store.findRequest(M, "r-free"))?.userId).toBe("y");
      // Now bound to "y": another user's call under it gets y's record.
      const again = await store.execute(
        credit({ programId: M, userId: "x", requestId: "r-free", coins: 3 }),
      );
      expect(again).toMatchObject({ status: "replayed", record: { userId: "y" } });
    });

    it("execute - a failed call keeps the claim while another call of the same user may still commit", async () => {
      const M = "shared-claim";
      await store.execute(credit({ programId: M, userId: "s", requestId: "fund", coins: 10 }));
      // Twenty calls under one id at once: one commits, the rest replay; none of
      // the failures around it may free the id while a record exists.
      const calls = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.execute(
            debit({ programId: M, userId: "s", requestId: "shared", coins: i % 2 === 0 ? 4 : 40 }),
          ),
        ),
      );
      const statuses = calls.map((c) => (c.status === "fulfilled" ? c.value.status : "failed"));
      for (const c of calls) {
        if (c.status === "rejected") {
          expect(CoinageError.is(c.reason, "INSUFFICIENT_COINS"), String(c.reason)).toBe(true);
        }
      }
      const committed = statuses.filter((s) => s === "committed").length;
      const replayed = statuses.filter((s) => s === "replayed").length;
      const record = await store.findRequest(M, "shared");
      const balance = balanceOf(await store.loadAccount(M, "s", emptyReads));
      if (record === null) {
        // No 4-coin call got the id: every call failed, and nothing was spent.
        expect(statuses.every((s) => s === "failed")).toBe(true);
        expect(balance).toBe(10);
      } else {
        // One 4-coin call committed; every call after it replayed its record.
        expect(committed).toBe(1);
        expect(record).toMatchObject({ userId: "s", coins: "4" });
        expect(balance).toBe(6);
        for (const c of calls) {
          if (c.status === "fulfilled" && c.value.status === "replayed")
            expect(c.value.record).toMatchObject({ requestId: "shared", coins: "4" });
        }
        const other = await store
          .execute(credit({ programId: M, userId: "t", requestId: "shared", coins: 1 }))
          .catch((error: unknown) => error);
        expect(other).toMatchObject({ status: "replayed", record: { userId: "s" } });
      }
      expect(committed + replayed + statuses.filter((s) => s === "failed").length).toBe(20);
    });

    it("executeMany - should keep an event budget within its limit, in input order", async () => {
      const M = "many-budget";
      const outcomes = await many(
        Array.from({ length: 30 }, (_, i) =>
          credit({
            programId: M,
            userId: `u${i % 7}`,
            requestId: `b${i}`,
            coins: 7,
            eventId: "PROMO",
            budget: "100.5",
          }),
        ),
      );
      const coins = outcomes.map((o) => (o.status === "committed" ? Number(o.result.coins) : -1));
      // 14 × 7 = 98, then the 2.5 left, then nothing: in input order, like single calls.
      expect(coins).toEqual([...Array(14).fill(7), 2.5, ...Array(15).fill(0)]);
      expect(await store.getBudgetUsed(M, "PROMO")).toBe("100.5");
    });

    it("executeMany - parallel batches on overlapping accounts should never overspend", async () => {
      const M = "many-parallel";
      const users = ["p0", "p1", "p2", "p3"];
      await many(
        users.map((userId) =>
          credit({ programId: M, userId, requestId: `fund-${userId}`, coins: 10 }),
        ),
      );
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, b) =>
          many<unknown>(
            Array.from({ length: 12 }, (_, i) => {
              const userId = users[(b + i) % users.length] as string;
              return i % 4 === 3
                ? credit({
                    programId: M,
                    userId,
                    requestId: `c${b}-${i}`,
                    coins: 3,
                    eventId: "CAP",
                    budget: "20",
                  })
                : debit({ programId: M, userId, requestId: `d${b}-${i}`, coins: 2 });
            }),
          ),
        ),
      );
      // Single calls on the same accounts at the same time.
      const singles = await Promise.allSettled(
        users.map((userId, i) =>
          store.execute(debit({ programId: M, userId, requestId: `s${i}`, coins: 2 })),
        ),
      );
      const all = batches.flat();
      for (const outcome of all) {
        if (outcome.status === "failed")
          expect(CoinageError.is(outcome.error, "INSUFFICIENT_COINS")).toBe(true);
      }
      for (const single of singles) {
        if (single.status === "rejected")
          expect(CoinageError.is(single.reason, "INSUFFICIENT_COINS")).toBe(true);
      }
      let spent = 0;
      let earned = 0;
      for (const outcomes of batches) {
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.status !== "committed") continue;
          const coins = Number((outcome.result as { coins: string }).coins);
          if (i % 4 === 3) earned += coins;
          else spent += coins;
        }
      }
      spent += 2 * singles.filter((s) => s.status === "fulfilled").length;
      // 18 credits of 3 coins ask 54 of a 20-coin budget: exactly 20 handed out.
      expect(earned).toBe(20);
      expect(await store.getBudgetUsed(M, "CAP")).toBe("20");
      let left = 0;
      for (const userId of users) {
        const snapshot = await store.loadAccount(M, userId, emptyReads);
        const entries = await store.history(M, userId, { limit: 100 });
        expect(snapshot.version).toBe(entries.length);
        for (const lot of snapshot.lots) expect(Number(lot.remaining)).toBeGreaterThanOrEqual(0);
        // Every entry's balance is the running sum of the entries before it.
        let running = 0;
        for (const entry of [...entries].reverse()) {
          running += Number(entry.coins);
          expect(Number(entry.balanceAfter), `${userId} seq ${entry.seq}`).toBe(running);
          expect(running).toBeGreaterThanOrEqual(0);
        }
        left += balanceOf(snapshot);
      }
      expect(left).toBe(40 + earned - spent);
      // 40 funded + 20 earned: at most 60 coins can be spent.
      expect(spent).toBeLessThanOrEqual(60);
    });

    it("executeMany - should index the earliest expiry of every account it writes", async () => {
      const E = "many-exp";
      await many([
        credit({ programId: E, userId: "v1", requestId: "e1", coins: 5, expiresAt: 700 }),
        credit({ programId: E, userId: "v2", requestId: "e2", coins: 5, expiresAt: 400 }),
        credit({ programId: E, userId: "v1", requestId: "e3", coins: 5, expiresAt: 300 }),
        credit({ programId: E, userId: "v3", requestId: "e4", coins: 5, expiresAt: null }),
      ]);
      expect(await store.findExpiring(E, 350, { limit: 10 })).toEqual(["v1"]);
      expect(await store.findExpiring(E, 1_000, { limit: 10 })).toEqual(["v1", "v2"]);
      await many([
        expireLots({ programId: E, userId: "v1", before: 1_000 }),
        expireLots({ programId: E, userId: "v2", before: 1_000 }),
      ]);
      expect(await store.findExpiring(E, 1_000, { limit: 10 })).toEqual([]);
      expect((await store.history(E, "v1", { limit: 10 })).map((e) => e.type)).toEqual([
        "expire",
        "expire",
        "earn",
        "earn",
      ]);
    });

    it("findExpiring - should list due accounts by user id and skip stale ones", async () => {
      const E = "exp-prog";
      for (const [user, expiresAt] of [
        ["u3", 500],
        ["u1", 300],
        ["u2", 900],
        ["u4", null],
      ] as const) {
        await store.execute(
          credit({ programId: E, userId: user, requestId: `r-${user}`, coins: 5, expiresAt }),
        );
      }
      expect(await store.findExpiring(E, 600, { limit: 10 })).toEqual(["u1", "u3"]);
      expect(await store.findExpiring(E, 1_000, { limit: 1 })).toEqual(["u1"]);
      expect(await store.findExpiring(E, 1_000, { limit: 5, after: "u1" })).toEqual(["u2", "u3"]);
      // u1 spends its coins: its entry becomes stale and is skipped.
      await store.execute(
        debit({ programId: E, userId: "u1", requestId: "r-u1-spend", coins: 5, at: 100 }),
      );
      expect(await store.findExpiring(E, 600, { limit: 10 })).toEqual(["u3"]);
      await store.execute(expireLots({ programId: E, userId: "u3", before: 600 }));
      expect(await store.findExpiring(E, 600, { limit: 10 })).toEqual([]);
      const entries = await store.history(E, "u3", { limit: 10 });
      expect(entries.map((e) => e.type)).toEqual(["expire", "earn"]);
    });
  });
}
