import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `scratch_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: url, max: 2 });
try {
  await migrate(admin, { schema });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = postgresStore({ pool, schema });
  const coins = createCoinage({ store, program: { ...PROGRAM, id: "p" } });
  await coins.events.create(STORE_EVENT);
  await coins.allocate({ userId: "u", event: "SHOP", requestId: "fund", amount: "30000.00" });
  const OP = process.env.OP ?? "redeem";
  for (let i = 0; i < 3000; i++) {
    if (OP === "redeem") await coins.redeem({ userId: "u", coins: "1", requestId: `r${i}` });
    else await coins.allocate({ userId: "u", event: "SHOP", requestId: `a${i}`, amount: "12345.67" });
  }
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
