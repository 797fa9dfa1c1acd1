/**
 * The memory store finds the accounts due for the expiry sweep from an index
 * of accounts by their earliest expiry, not by visiting every account: the
 * answer must be the one a visit of every account gives.
 */
import { createCoinage, isExpired, isOpenLot, type Store } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import fc from "fast-check";
import { expect, it } from "vitest";

const DAY = 86_400_000;
const START = Date.parse("2026-03-15T12:00:00.000Z");
const USERS = ["a", "b", "c", "__proto__", "e f"];

/** Users with an open lot expiring by `before`, by reading every account at `before`. */
async function dueByVisit(store: Store, programId: string, before: number): Promise<string[]> {
  const due: string[] = [];
  for (const userId of USERS) {
    const snapshot = await store.loadAccount(programId, userId, {
      at: before,
      usageKeys: [],
      requestIds: [],
      lotIds: [],
    });
    if (snapshot.lots.some((lot) => isOpenLot(lot) && isExpired(lot, before))) due.push(userId);
  }
  return due.sort();
}

it("findExpiring answers what a visit of every account answers, page by page", async () => {
  const step = fc.record({
    user: fc.nat(USERS.length - 1),
    op: fc.constantFrom("earn3", "earn9", "never", "redeem", "sweep"),
    days: fc.nat(4),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const store = memoryStore();
      let now = START;
      const coins = createCoinage({
        store,
        program: { id: "p", coinValue: "1" },
        clock: { now: () => new Date(now) },
      });
      await coins.events.create({
        id: "E3",
        name: "e3",
        reward: { kind: "fixed", coins: "10" },
        expiry: { days: 3 },
      });
      await coins.events.create({
        id: "E9",
        name: "e9",
        reward: { kind: "fixed", coins: "5" },
        expiry: { days: 9 },
      });
      await coins.events.create({ id: "N", name: "n", reward: { kind: "fixed", coins: "2" } });
      let n = 0;
      for (const { user, op, days } of steps) {
        now += days * DAY;
        const userId = USERS[user] as string;
        const requestId = `r${n++}`;
        if (op === "earn3") await coins.allocate({ userId, event: "E3", requestId });
        else if (op === "earn9") await coins.allocate({ userId, event: "E9", requestId });
        else if (op === "never") await coins.allocate({ userId, event: "N", requestId });
        else if (op === "sweep") await coins.expire();
        else await coins.redeem({ userId, coins: "7", requestId }).catch(() => undefined);
        for (const ahead of [0, 2, 5, 10]) {
          const before = now + ahead * DAY;
          const expected = await dueByVisit(store, "p", before);
          expect(await store.findExpiring("p", before, { limit: 100 })).toEqual(expected);
          const first = await store.findExpiring("p", before, { limit: 2 });
          expect(first).toEqual(expected.slice(0, 2));
          if (first.length === 2) {
            const rest = await store.findExpiring("p", before, {
              limit: 100,
              after: first[1] as string,
            });
            expect(rest).toEqual(expected.slice(2));
          }
        }
      }
    }),
    { numRuns: 60 },
  );
});
