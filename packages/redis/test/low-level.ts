/**
 * The store's own tests, run against any Redis deployment: `execute` with
 * hand-written `decide` functions, events, history, budgets, the expiry index.
 */
import { CoinageError, type Store } from "@coinage/core";
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
      for (const outcome of outcomes) {
        if (outcome.status === "replayed") expect(outcome.record.requestId).toBe("r-dup");
      }
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
