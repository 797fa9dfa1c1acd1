import { PGlite } from "@electric-sql/pglite";
import { migrate, postgresStore } from "./src/index.js";
import { allocate, redeem } from "./test/support/ledger.js";
const db = new PGlite();
await migrate(db);
const times = new Map<string, number[]>();
const orig = db.query.bind(db);
const origTx = db.transaction.bind(db);
function wrap(q: any) {
  return async (text: string, values?: unknown[]) => {
    const t = performance.now();
    try { return await q(text, values); } finally {
      const key = text.replace(/\s+/g, " ").slice(0, 40);
      (times.get(key) ?? times.set(key, []).get(key)!).push(performance.now() - t);
    }
  };
}
(db as any).query = wrap(orig);
(db as any).transaction = (fn: any) => origTx((tx: any) => { const q = tx.query.bind(tx); tx.query = wrap(q); return fn(tx); });
const store = postgresStore({ pool: db });
for (let i = 0; i < 20; i++) await store.execute(allocate("p", "u", `w${i}`, 10));
times.clear();
const N = 100;
for (let i = 0; i < N; i++) await store.execute(allocate("p", `u${i % 10}`, `a${i}`, 10));
for (let i = 0; i < N; i++) await store.execute(redeem("p", `u${i % 10}`, `r${i}`, 1));
for (const [k, v] of times) console.log(k.padEnd(42), v.length, (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2));
await db.close();
