import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `scratch_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: url, max: 4 });
const N = Number(process.env.N ?? 1500);
const OP = process.env.OP ?? "allocate";
const users = Array.from({ length: 200 }, (_, i) => `t${i}`);
try {
  await migrate(admin, { schema });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const coins = createCoinage({ store: postgresStore({ pool, schema }), program: { ...PROGRAM, id: "p" } });
  await coins.events.create(STORE_EVENT);
  for (const u of users) await coins.allocate({ userId: u, event: "SHOP", requestId: `fund-${u}`, amount: "30000.00" });
  let seq = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < N / 4; i++) {
      const u = users[(seq * 7919) % users.length]!; const rid = `r-${seq++}`;
      if (OP === "allocate") await coins.allocate({ userId: u, event: "SHOP", requestId: rid, amount: "12345.67" });
      else await coins.redeem({ userId: u, coins: "1", requestId: rid });
    }
  }));
  console.log("done", seq, (await coins.balance("t1")).available);
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
