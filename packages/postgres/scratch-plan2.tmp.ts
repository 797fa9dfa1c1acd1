import pg from "pg";
import { migrate, postgresStore } from "./src/index.js";
import { seed } from "./test/support/ledger.js";
import { readStatements, readShape, readValues } from "./src/reads.js";
import { tables } from "./src/statements.js";
const schema = `scratch_${Date.now().toString(36)}`;
const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:5432/test", max: 1 });
try {
  await migrate(pool, { schema });
  const store = postgresStore({ pool, schema });
  const T = 1_700_000_000_000;
  const lots = Array.from({ length: 1000 }, (_, k) => ({ coins: 5, earnedAt: T + k, availableAt: T + k, expiresAt: k % 3 === 0 ? null : T + 10_000_000 + ((k * 7919) % 1000) * 3600_000 }));
  await store.execute(seed("p", "u", "s", lots, T + 2000));
  const reads = { at: T + 5000, usageKeys: [], requestIds: [], lotIds: [] };
  const st = readStatements(tables(schema)).one(readShape("load", reads, false));
  const vals = readValues("p", "u", reads);
  const c = await pool.connect();
  await c.query("SET plan_cache_mode = force_generic_plan");
  await c.query(`PREPARE q(text, text, bigint) AS ${st.text}`);
  const r = await c.query(`EXPLAIN (ANALYZE, COSTS OFF) EXECUTE q($1, $2, $3)`, vals);
  console.log(r.rows.map((x: any) => x["QUERY PLAN"]).join("\n"));
  c.release();
} finally { await pool.query(`DROP SCHEMA "${schema}" CASCADE`); await pool.end(); }
