/**
 * The store's own guarantees, with hand-written `decide` functions (no
 * engine needed), against PGlite always and the real server when reachable.
 */
import { CoinageError, type CoinEvent, type ExecuteOutcome } from "@coinage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants } from "./support/invariants.js";
import { allocate, balanceOf, failing, NO_READS, READ_AT, redeem } from "./support/ledger.js";
import { type Fixture, pgliteFixture, serverFixture, skipServerTests } from "./support/server.js";

const skipServer = await skipServerTests("store.test.ts");

const backends: { name: string; skip: boolean; create: () => Promise<Fixture> }[] = [
  { name: "pglite", skip: false, create: () => pgliteFixture() },
  { name: "pglite (schema)", skip: false, create: () => pgliteFixture('coinage_schema "quoted"') },
  { name: "postgres", skip: skipServer, create: () => serverFixture() },
];

const event = (id: string, version = 1): CoinEvent => ({
  id,
  name: `Event ${id}`,
  status: "active",
  reward: { kind: "fixed", coins: "10" },
  metadata: { note: 'it\'s "quoted" \\ ✓ 🎉' },
  version,
});

const HOSTILE = [
  "plain",
  "quote ' double \" backslash \\ end",
  "semi; DROP TABLE coinage_lots; --",
  "unicode ünïcødé 日本語 עברית",
  "emoji 🎉🪙👩‍👩‍👧",
  "x".repeat(200),
  "%_ like wildcards",
  "trailing space ",
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`postgresStore on ${backend.name}`, () => {
    let fixture: Fixture;
    beforeAll(async () => {
      fixture = await backend.create();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    const store = () => fixture.store;
    let n = 0;
    const program = () => `program-${++n}`;

    describe("events", () => {
      it("insertEvent - should refuse a second event with the same id", async () => {
        const p = program();
        expect(await store().insertEvent(p, event("A"))).toBe(true);
        expect(await store().insertEvent(p, event("A"))).toBe(false);
        expect(await store().getEvent(p, "A")).toEqual(event("A"));
        expect(await store().getEvent(program(), "A")).toBeNull();
      });

      it("replaceEvent - should replace only at the expected version", async () => {
        const p = program();
        await store().insertEvent(p, event("A"));
        expect(await store().replaceEvent(p, event("A", 2), 2)).toBe(false);
        expect(await store().replaceEvent(p, event("A", 2), 1)).toBe(true);
        expect(await store().replaceEvent(p, event("A", 3), 1)).toBe(false);
        expect(await store().replaceEvent(p, event("MISSING", 2), 1)).toBe(false);
        expect((await store().getEvent(p, "A"))?.version).toBe(2);
      });

      it("listEvents - should page by id", async () => {
        const p = program();
        for (const id of ["c", "a", "b", "B", "é"]) await store().insertEvent(p, event(id));
        const first = await store().listEvents(p, { limit: 3 });
        expect(first.map((e) => e.id)).toEqual(["B", "a", "b"]);
        const rest = await store().listEvents(p, { limit: 3, after: "b" });
        expect(rest.map((e) => e.id)).toEqual(["c", "é"]);
      });
    });

    describe("hostile ids", () => {
      it("should store and read back program, user, request and event ids exactly", async () => {
        for (const id of HOSTILE) {
          const p = `p ${id}`;
          expect(await store().insertEvent(p, event(id))).toBe(true);
          expect((await store().getEvent(p, id))?.id).toBe(id);
          expect((await store().listEvents(p, { limit: 10 })).map((e) => e.id)).toEqual([id]);
          const outcome = await store().execute(
            allocate(p, id, id, 5, {
              expiresAt: 10,
              usageKey: id,
              budget: { eventId: id, limit: 100 },
            }),
          );
          expect(outcome.status).toBe("committed");
          const record = await store().findRequest(p, id);
          expect(record?.requestId).toBe(id);
          expect(record?.userId).toBe(id);
          const snapshot = await store().loadAccount(p, id, {
            ...NO_READS,
            usageKeys: [id],
            requestIds: [id],
            lotIds: [1],
            budgetEventId: id,
          });
          expect(snapshot.userId).toBe(id);
          expect(snapshot.usage).toEqual({ [id]: "5" });
          expect(Object.keys(snapshot.requests)).toEqual([id]);
          expect(snapshot.lots[0]?.requestId).toBe(id);
          expect(snapshot.lots[0]?.eventId).toBe(id);
          expect(snapshot.budgetUsed).toBe("5");
          expect(await store().getBudgetUsed(p, id)).toBe("5");
          const [entry] = await store().history(p, id, { limit: 5 });
          expect(entry?.requestId).toBe(id);
          expect(entry?.eventId).toBe(id);
          expect(await store().findExpiring(p, 10, { limit: 5 })).toEqual([id]);
          // Nothing leaks into a program whose id differs only slightly.
          expect(await store().findRequest(`${p} `, id)).toBeNull();
        }
      });
    });

    describe("execute", () => {
      it("execute - should commit a decided change and return its result", async () => {
        const p = program();
        const outcome = await store().execute(allocate(p, "u", "r1", 10));
        expect(outcome).toEqual({
          status: "committed",
          result: { lotId: 1, coins: 10, balance: 10 },
        });
        const snapshot = await store().loadAccount(p, "u", { ...NO_READS, lotIds: [1] });
        expect(snapshot).toMatchObject({
          userId: "u",
          version: 1,
          debt: "0",
          nextLotId: 2,
          nextEntrySeq: 2,
          totals: { open: "10", pending: "0", asOf: READ_AT, nextChangeAt: null },
        });
        expect(snapshot.lots).toEqual([
          {
            id: 1,
            coins: "10",
            remaining: "10",
            earnedAt: 1_700_000_000_001,
            availableAt: 1_700_000_000_001,
            expiresAt: null,
            eventId: null,
            requestId: "r1",
            // Not set by the decision: stored and read as 0.
            expired: "0",
            shortfall: "0",
          },
        ]);
      });

      it("loadAccount - should answer an empty snapshot for an unknown account", async () => {
        const snapshot = await store().loadAccount(program(), "nobody", {
          at: READ_AT,
          usageKeys: ["k"],
          requestIds: ["r"],
          lotIds: [1],
          budgetEventId: "E",
        });
        expect(snapshot).toEqual({
          userId: "nobody",
          version: 0,
          totals: { open: "0", pending: "0", asOf: 0, nextChangeAt: null },
          lots: [],
          debt: "0",
          nextLotId: 1,
          nextEntrySeq: 1,
          usage: {},
          requests: {},
          budgetUsed: "0",
        });
      });

      it("execute - should write nothing and rethrow when decide throws", async () => {
        const p = program();
        await expect(store().execute(failing(p, "u", "r-fail"))).rejects.toMatchObject({
          code: "INVALID_INPUT",
        });
        expect(await store().findRequest(p, "r-fail")).toBeNull();
        const [row] = await fixture.sql(
          "SELECT (SELECT count(*)::int FROM coinage_accounts WHERE program_id = $1) + (SELECT count(*)::int FROM coinage_requests WHERE program_id = $1) AS n",
          [p],
        );
        expect(row?.n).toBe(0);
        // The request id stays free.
        expect((await store().execute(allocate(p, "u", "r-fail", 3))).status).toBe("committed");
      });

      it("execute - a change naming a lot the account does not hold should be refused whole", async () => {
        const p = program();
        await store().execute(allocate(p, "u", "r1", 10));
        const command = allocate(p, "u", "r2", 5);
        const bogus = {
          ...command,
          decide(snapshot: Parameters<typeof command.decide>[0]) {
            const { change, result } = command.decide(snapshot);
            const ghost = { ...(change.lots[0] as (typeof change.lots)[number]), id: 0 };
            return { result, change: { ...change, lots: [...change.lots, ghost] } };
          },
        };
        await expect(store().execute(bogus)).rejects.toThrow(/refused/);
        expect(await store().findRequest(p, "r2")).toBeNull();
        const snapshot = await store().loadAccount(p, "u", NO_READS);
        expect(snapshot.version).toBe(1);
        expect(snapshot.nextLotId).toBe(2);
        expect(await store().history(p, "u", { limit: 5 })).toHaveLength(1);
      });

      it("execute - should keep decimal coins exact", async () => {
        const p = program();
        const command = allocate(p, "u", "dec", 1);
        const decimal = {
          ...command,
          decide(snapshot: Parameters<typeof command.decide>[0]) {
            const { change, result } = command.decide(snapshot);
            const coins = "12345678901234567890.123456789";
            return {
              result,
              change: {
                ...change,
                lots: change.lots.map((lot) => ({ ...lot, coins, remaining: coins })),
                debt: "0.000000001",
              },
            };
          },
        };
        await store().execute(decimal);
        const snapshot = await store().loadAccount(p, "u", { ...NO_READS, lotIds: [1] });
        expect(snapshot.lots[0]?.coins).toBe("12345678901234567890.123456789");
        expect(snapshot.debt).toBe("0.000000001");
      });

      it("execute - should answer replayed with the committed record for a used request id", async () => {
        const p = program();
        await store().execute(allocate(p, "u", "r1", 10));
        const again = await store().execute(allocate(p, "u", "r1", 99));
        expect(again.status).toBe("replayed");
        if (again.status !== "replayed") return;
        expect(again.record).toMatchObject({
          requestId: "r1",
          kind: "allocate",
          coins: "10",
          lotId: 1,
          fingerprint: "fp:allocate:10",
        });
        expect(again.record.result).toEqual({ lotId: 1, coins: 10, balance: 10 });
        expect(balanceOf(await store().loadAccount(p, "u", NO_READS))).toBe(10);
      });

      it("execute - exactly one of 20 parallel calls with one request id should commit", async () => {
        const p = program();
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store().execute(allocate(p, `user-${i % 3}`, "same", 7)),
          ),
        );
        const committed = outcomes.filter((o) => o.status === "committed");
        expect(committed).toHaveLength(1);
        const replays = outcomes.filter((o) => o.status === "replayed");
        expect(replays).toHaveLength(19);
        for (const o of replays) expect(o.record.requestId).toBe("same");
        const [row] = await fixture.sql(
          "SELECT (SELECT count(*)::int FROM coinage_entries WHERE program_id = $1) AS entries, (SELECT count(*)::int FROM coinage_lots WHERE program_id = $1) AS lots",
          [p],
        );
        expect(row).toEqual({ entries: 1, lots: 1 });
      });

      it("execute - 50 parallel commands on one account should be serialised", async () => {
        const p = program();
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store().execute(allocate(p, "hot", `r${i}`, 1))),
        );
        expect(outcomes.every((o) => o.status === "committed")).toBe(true);
        const balances = outcomes.map(
          (o) =>
            (o as Extract<ExecuteOutcome<{ balance: number }>, { status: "committed" }>).result
              .balance,
        );
        expect(new Set(balances).size).toBe(50);
        const snapshot = await store().loadAccount(p, "hot", NO_READS);
        expect(snapshot.version).toBe(50);
        expect(snapshot.nextEntrySeq).toBe(51);
        expect(balanceOf(snapshot)).toBe(50);
        expect((await checkInvariants(fixture, p, { fifo: true })).problems).toEqual([]);
      });

      it("execute - parallel redemptions should never overspend", async () => {
        const p = program();
        await store().execute(allocate(p, "u", "a1", 6));
        await store().execute(allocate(p, "u", "a2", 4));
        const settled = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => store().execute(redeem(p, "u", `x${i}`, 1))),
        );
        const ok = settled.filter((s) => s.status === "fulfilled");
        const refused = settled.filter((s) => s.status === "rejected");
        expect(ok).toHaveLength(10);
        for (const s of refused)
          expect(CoinageError.is((s as PromiseRejectedResult).reason, "INSUFFICIENT_COINS")).toBe(
            true,
          );
        expect(balanceOf(await store().loadAccount(p, "u", NO_READS))).toBe(0);
        expect((await checkInvariants(fixture, p, { fifo: true })).problems).toEqual([]);
      });

      it("execute - a budget should never pass its limit across accounts", async () => {
        const p = program();
        const budget = { eventId: "E", limit: 25 };
        const outcomes = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store().execute(allocate(p, `u${i}`, `b${i}`, 3, { budget })),
          ),
        );
        const earned = outcomes.reduce(
          (sum, o) => sum + (o.status === "committed" ? (o.result as { coins: number }).coins : 0),
          0,
        );
        expect(earned).toBe(25);
        expect(await store().getBudgetUsed(p, "E")).toBe("25");
      });
    });

    describe("executeMany", () => {
      it("executeMany - should apply commands in order and isolate a failing one", async () => {
        const p = program();
        await store().execute(allocate(p, "a", "seed", 5));
        const many = store().executeMany;
        expect(many).toBeDefined();
        const outcomes = await store().executeMany?.<unknown>([
          allocate(p, "a", "m1", 3),
          redeem(p, "a", "m2", 8),
          failing(p, "a", "m3"),
          redeem(p, "a", "m4", 1),
          allocate(p, "b", "m5", 2),
          allocate(p, "b", "seed", 9), // replay of a request of another account
          allocate(p, "a", "m1", 3), // replay inside the batch
          failing(p, "c", "m6"),
        ]);
        expect(outcomes?.map((o) => o.status)).toEqual([
          "committed",
          "committed",
          "failed",
          "failed",
          "committed",
          "replayed",
          "replayed",
          "failed",
        ]);
        expect(
          CoinageError.is(
            (outcomes?.[3] as { error?: unknown } | undefined)?.error,
            "INSUFFICIENT_COINS",
          ),
        ).toBe(true);
        expect(balanceOf(await store().loadAccount(p, "a", NO_READS))).toBe(0);
        expect(balanceOf(await store().loadAccount(p, "b", NO_READS))).toBe(2);
        expect(await store().findRequest(p, "m3")).toBeNull();
        expect(await store().findRequest(p, "m6")).toBeNull();
        expect((await store().loadAccount(p, "a", NO_READS)).version).toBe(3);
        expect((await store().loadAccount(p, "c", NO_READS)).version).toBe(0);
        expect((await checkInvariants(fixture, p, { fifo: true })).problems).toEqual([]);
      });

      it("executeMany - a later command may claim a request id an earlier one failed to use", async () => {
        const p = program();
        const outcomes = await store().executeMany?.<unknown>([
          failing(p, "a", "dup"),
          allocate(p, "b", "dup", 4),
        ]);
        expect(outcomes?.map((o) => o.status)).toEqual(["failed", "committed"]);
        expect((await store().findRequest(p, "dup"))?.userId).toBe("b");
      });

      it("executeMany - budgets should hold across a batch and concurrent batches", async () => {
        const p = program();
        const budget = { eventId: "E", limit: 40 };
        const batches = await Promise.all(
          Array.from({ length: 4 }, (_, b) =>
            store().executeMany?.<unknown>(
              Array.from({ length: 8 }, (_, i) =>
                allocate(p, `u${(i * 7 + b) % 5}`, `b${b}-${i}`, 2, { budget }),
              ),
            ),
          ),
        );
        const earned = batches
          .flat()
          .reduce(
            (sum, o) =>
              sum + (o?.status === "committed" ? (o.result as { coins: number }).coins : 0),
            0,
          );
        expect(earned).toBe(40);
        expect(await store().getBudgetUsed(p, "E")).toBe("40");
        expect((await checkInvariants(fixture, p)).problems).toEqual([]);
      });

      it("executeMany - concurrent batches over shared accounts should not deadlock or double-book", async () => {
        const p = program();
        const users = ["u1", "u2", "u3", "u4"];
        const batches = await Promise.all(
          Array.from({ length: 6 }, (_, b) =>
            store().executeMany?.(
              Array.from({ length: 8 }, (_, i) =>
                allocate(
                  p,
                  users[(b % 2 === 0 ? i : 7 - i) % 4] as string,
                  `r${(b * 3 + i) % 20}`,
                  1,
                ),
              ),
            ),
          ),
        );
        const committed = batches.flat().filter((o) => o?.status === "committed").length;
        const [row] = await fixture.sql(
          "SELECT count(*)::int AS n FROM coinage_requests WHERE program_id = $1",
          [p],
        );
        expect(row?.n).toBe(committed);
        expect(committed).toBe(20);
        expect((await checkInvariants(fixture, p, { fifo: true })).problems).toEqual([]);
      });
    });

    describe("reads", () => {
      it("history - should page entries newest first by seq", async () => {
        const p = program();
        for (let i = 0; i < 7; i++) await store().execute(allocate(p, "u", `h${i}`, i + 1));
        const first = await store().history(p, "u", { limit: 3 });
        expect(first.map((e) => e.seq)).toEqual([7, 6, 5]);
        expect(first[0]).toMatchObject({
          type: "earn",
          coins: "7",
          balanceAfter: "28",
          debtAfter: "0",
          requestId: "h6",
          lots: [{ lotId: 7, coins: "7" }],
        });
        const next = await store().history(p, "u", { limit: 10, beforeSeq: 5 });
        expect(next.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
        expect(await store().history(p, "other", { limit: 3 })).toEqual([]);
      });

      it("findExpiring - should list users with open lots expiring by then, by user id", async () => {
        const p = program();
        await store().execute(allocate(p, "c", "1", 1, { expiresAt: 100 }));
        await store().execute(allocate(p, "a", "2", 1, { expiresAt: 200 }));
        await store().execute(allocate(p, "b", "3", 1, { expiresAt: 300 }));
        await store().execute(allocate(p, "a", "4", 1, { expiresAt: 50 }));
        await store().execute(allocate(p, "d", "5", 1));
        await store().execute(redeem(p, "c", "6", 1));
        expect(await store().findExpiring(p, 200, { limit: 10 })).toEqual(["a"]);
        expect(await store().findExpiring(p, 300, { limit: 10 })).toEqual(["a", "b"]);
        expect(await store().findExpiring(p, 300, { limit: 1, after: "a" })).toEqual(["b"]);
      });

      it("loadAccount - should return the lots asked for by id, open or closed, and no open lot that does not change", async () => {
        const p = program();
        await store().execute(allocate(p, "u", "1", 2));
        await store().execute(allocate(p, "u", "2", 2));
        await store().execute(redeem(p, "u", "3", 2));
        // Lot 2 never expires and is available: nothing about it changes at READ_AT.
        expect((await store().loadAccount(p, "u", NO_READS)).lots.map((l) => l.id)).toEqual([]);
        const asked = await store().loadAccount(p, "u", {
          ...NO_READS,
          lotIds: [1],
          requestIds: ["1", "3", "nope"],
        });
        expect(asked.lots.map((l) => [l.id, l.remaining])).toEqual([[1, "0"]]);
        expect(Object.keys(asked.requests).sort()).toEqual(["1", "3"]);
        // Records of another account are not part of this one.
        await store().execute(allocate(p, "v", "4", 1));
        expect(
          (await store().loadAccount(p, "u", { ...NO_READS, requestIds: ["4"] })).requests,
        ).toEqual({});
      });

      it("entries - should be append-only in the database", async () => {
        const p = program();
        await store().execute(allocate(p, "u", "1", 2));
        await expect(
          fixture.sql("UPDATE coinage_entries SET coins = 0 WHERE program_id = $1", [p]),
        ).rejects.toThrow(/append-only/);
        await expect(
          fixture.sql("DELETE FROM coinage_entries WHERE program_id = $1", [p]),
        ).rejects.toThrow(/append-only/);
      });
    });
  });
}
