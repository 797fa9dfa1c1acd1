import { PGlite } from "@electric-sql/pglite";
import { migrate, postgresStore } from "./old-src.tmp/index.js";
const T0 = 1_700_000_000_000;
function allocate(p: string, u: string, r: string, coins: number): any {
  return { programId: p, userId: u, request: { requestId: r, fingerprint: "f" }, reads: { usageKeys: [], requestIds: [], lotIds: [] },
    decide(s: any) { const id = s.nextLotId; return { result: 1, change: { lots: [{ id, coins: String(coins), remaining: String(coins), earnedAt: T0, availableAt: T0, expiresAt: null, eventId: null, requestId: r }], debt: s.debt, nextLotId: id + 1, nextEntrySeq: s.nextEntrySeq + 1,
      entries: [{ seq: s.nextEntrySeq, type: "earn", coins: String(coins), balanceAfter: "0", debtAfter: "0", requestId: r, lots: [], eventId: null, at: T0, reason: null }], usage: {}, requests: [{ requestId: r, kind: "allocate", userId: u, fingerprint: "f", at: T0, result: 1, coins: String(coins), reversed: "0", lotId: id, parts: [] }] } }; } };
}
const db = new PGlite();
await migrate(db);
const store = postgresStore({ pool: db });
for (let i = 0; i < 20; i++) await store.execute(allocate("p", "u", `w${i}`, 10));
let t = performance.now();
const N = 200;
for (let i = 0; i < N; i++) await store.execute(allocate("p", `u${i % 10}`, `a${i}`, 10));
console.log("old allocate ms/op", ((performance.now() - t) / N).toFixed(2));
await db.close();
