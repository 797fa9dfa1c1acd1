import { PGlite } from "@electric-sql/pglite";
import { migrate, postgresStore } from "./src/index.js";
import { allocate } from "./test/support/ledger.js";
import { readStatements, readShape, readValues } from "./src/reads.js";
import { tables } from "./src/statements.js";
const db = new PGlite();
await migrate(db);
const store = postgresStore({ pool: db });
for (let i = 0; i < 20; i++) await store.execute(allocate("p", "u", `w${i}`, 10));
const reads = { at: 1700000000000 + 1_000_000, spend: "5", usageKeys: ["k"], requestIds: [], lotIds: [] }; const mode = process.env.MODE ?? "load";
const st = readStatements(tables(undefined)).one(readShape(mode as any, reads));
const vals = readValues("p", "u", reads);
for (let i = 0; i < 3; i++) {
  const r = await db.query(`EXPLAIN (ANALYZE, SUMMARY) ${st.text}`, vals as any[]);
  if (i === 2) console.log(r.rows.map((x: any) => x["QUERY PLAN"]).join("\n"));
}
await db.close();
