import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `scratch_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: url, max: 2 });
async function measure(label: string, fn: () => Promise<unknown>, n = 2000) {
  for (let i = 0; i < 200; i++) await fn();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(40), "cpu", ((c.user + c.system) / 1000 / n).toFixed(3), "wall", ((performance.now() - t0) / n).toFixed(3));
}
try {
  await migrate(admin, { schema });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = postgresStore({ pool, schema });
  const coins = createCoinage({ store, program: { ...PROGRAM, id: "p" } });
  await coins.events.create(STORE_EVENT);
  await coins.allocate({ userId: "u", event: "SHOP", requestId: "fund", amount: "30000.00" });
  const at = Date.now();
  await measure("pool.query SELECT 1", () => pool.query("SELECT 1"));
  await measure("store.getEvent", () => store.getEvent("p", "SHOP"));
  await measure("store.loadAccount {at}", () => store.loadAccount("p", "u", { at, usageKeys: [], requestIds: [], lotIds: [] }));
  await measure("store.loadAccount spend+5 usage", () => store.loadAccount("p", "u", { at, spend: "1", usageKeys: ["a","b","c","d","e"], requestIds: [], lotIds: [] }));
  await measure("coins.balance", () => coins.balance("u"));
  let i = 0;
  await measure("coins.redeem", () => coins.redeem({ userId: "u", coins: "1", requestId: `r${i++}` }), 1000);
  await measure("coins.allocate", () => coins.allocate({ userId: "u", event: "SHOP", requestId: `a${i++}`, amount: "12345.67" }), 1000);
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
