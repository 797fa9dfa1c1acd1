import pg from "pg";
import { migrate, postgresStore } from "./src/index.js";
import { allocate } from "./test/support/ledger.js";
import { readStatements, readShape, readValues } from "./src/reads.js";
import { tables } from "./src/statements.js";
const schema = `scratch_${Date.now().toString(36)}`;
const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:5432/test", max: 2 });
try {
await migrate(pool, { schema });
const store = postgresStore({ pool, schema });
for (let i = 0; i < 20; i++) await store.execute(allocate("p", "u", `w${i}`, 10));
const reads = { at: 1700000000000 + 1_000_000, spend: "5", usageKeys: ["k"], requestIds: [], lotIds: [] };
const st = readStatements(tables(schema)).one(readShape("load", reads));
const vals = readValues("p", "u", reads);
for (let i = 0; i < 3; i++) {
  const r = await pool.query(`EXPLAIN (ANALYZE, SUMMARY) ${st.text}`, vals as any[]);
  if (i === 2) console.log(r.rows.map((x: any) => x["QUERY PLAN"]).join("\n"));
}
} finally { await pool.query(`DROP SCHEMA "${schema}" CASCADE`); await pool.end(); }
