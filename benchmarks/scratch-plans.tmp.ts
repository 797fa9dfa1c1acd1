import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `scratch_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: url, max: 4 });
const users = Array.from({ length: 50 }, (_, i) => `t${i}`);
try {
  await migrate(admin, { schema });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const coins = createCoinage({ store: postgresStore({ pool, schema }), program: { ...PROGRAM, id: "p" } });
  await coins.events.create(STORE_EVENT);
  for (const u of users) await coins.allocate({ userId: u, event: "SHOP", requestId: `fund-${u}`, amount: "30000.00" });
  for (let i = 0; i < 200; i++) { const u = users[i % 50]!; await coins.allocate({ userId: u, event: "SHOP", requestId: `a${i}`, amount: "12345.67" }); await coins.redeem({ userId: u, coins: "1", requestId: `r${i}` }); }
  const { rows } = await pool.query("SELECT name, generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ', 'g'), 60) AS s FROM pg_prepared_statements ORDER BY name");
  console.table(rows);
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
