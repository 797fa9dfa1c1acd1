import { readFileSync } from "node:fs";
import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { createFloor } from "./src/pgfloor.js";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
import { allocate as hAllocate, redeem as hRedeem } from "../packages/postgres/test/support/ledger.js";

const url = "postgres://postgres@127.0.0.1:5432/test";
const run = Date.now().toString(36);
const schema = `scratch_${run}`;
const admin = new pg.Pool({ connectionString: url, max: 4 });
const N = Number(process.env.N ?? 400);
const users = Array.from({ length: 200 }, (_, i) => `t${i}`);
const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return Number(f[11]) + Number(f[12]); };
try {
  await migrate(admin, { schema });
  const floor = await createFloor(admin as never, `${schema}_floor`, users);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = postgresStore({ pool, schema });
  const coins = createCoinage({ store, program: { ...PROGRAM, id: "p" } });
  await coins.events.create(STORE_EVENT);
  for (const u of users) await coins.allocate({ userId: u, event: "SHOP", requestId: `fund-${u}`, amount: "30000.00" });
  for (const u of users) await store.execute(hAllocate("h", u, `hfund-${u}`, 1000000));
  const pid = Number((await pool.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
  let seq = 0;
  for (const variant of ["floor", "store", "hand", "floor", "store", "hand"] as const) {
    for (const op of ["allocate", "redeem"] as const) {
      const c0 = process.cpuUsage(); const b0 = ticks(pid); const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        const u = users[(seq * 7919) % users.length]!; const rid = `${variant}-${op}-${seq++}`;
        if (variant === "floor") await floor.run(pool as never, op, u, rid);
        else if (variant === "hand") await store.execute(op === "allocate" ? hAllocate("h", u, rid, 100) : hRedeem("h", u, rid, 1));
        else if (op === "allocate") await coins.allocate({ userId: u, event: "SHOP", requestId: rid, amount: "12345.67" });
        else await coins.redeem({ userId: u, coins: "1", requestId: rid });
      }
      const wall = (performance.now() - t0) / N; const c = process.cpuUsage(c0); const b = (ticks(pid) - b0) * 10 / N;
      console.log(`${variant} ${op}: wall ${wall.toFixed(2)} ms/op, node cpu ${((c.user + c.system) / 1000 / N).toFixed(3)} ms/op, backend cpu ${b.toFixed(3)} ms/op`);
    }
  }
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}_floor" CASCADE`);
  await admin.end();
}
