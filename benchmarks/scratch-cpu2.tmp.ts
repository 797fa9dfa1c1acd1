import { readFileSync } from "node:fs";
import pg from "pg";
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { createFloor } from "./src/pgfloor.js";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";

const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `scratch_${Date.now().toString(36)}`;
const admin = new pg.Pool({ connectionString: url, max: 4 });
const N = Number(process.env.N ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
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
  const pid = Number((await pool.query("SELECT pg_backend_pid() AS pid")).rows[0].pid);
  let seq = 0;
  const acc: Record<string, { node: number; back: number; n: number; sys: number }> = {};
  for (let r = 0; r < ROUNDS; r++) for (const variant of ["floor", "store"] as const) {
    for (const op of ["allocate", "redeem"] as const) {
      const c0 = process.cpuUsage(); const b0 = ticks(pid);
      for (let i = 0; i < N; i++) {
        const u = users[(seq * 7919) % users.length]!; const rid = `${variant}-${op}-${seq++}`;
        if (variant === "floor") await floor.run(pool as never, op, u, rid);
        else if (op === "allocate") await coins.allocate({ userId: u, event: "SHOP", requestId: rid, amount: "12345.67" });
        else await coins.redeem({ userId: u, coins: "1", requestId: rid });
      }
      const c = process.cpuUsage(c0); const k = `${variant} ${op}`;
      const a = (acc[k] ??= { node: 0, back: 0, n: 0, sys: 0 }); a.node += (c.user + c.system) / 1000; a.sys += c.system / 1000; a.back += (ticks(pid) - b0) * 10; a.n += N;
    }
  }
  for (const [k, a] of Object.entries(acc)) console.log(`${k.padEnd(16)} node ${(a.node / a.n).toFixed(3)} (sys ${(a.sys / a.n).toFixed(3)}) backend ${(a.back / a.n).toFixed(3)} total ${((a.node + a.back) / a.n).toFixed(3)} ms/op`);
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}_floor" CASCADE`);
  await admin.end();
}
