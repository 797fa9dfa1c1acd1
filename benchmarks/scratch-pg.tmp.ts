import pg from "pg";
import { migrate, postgresStore } from "@coinage/postgres";
import { allocate, redeem } from "../packages/postgres/test/support/ledger.js";
import { createFloor } from "./src/pgfloor.js";

const url = "postgres://postgres@127.0.0.1:5432/test";
const run = Date.now().toString(36);
const schema = `scratch_${run}`;
const admin = new pg.Pool({ connectionString: url, max: 4 });
const N = Number(process.env.N ?? 1000);
const users = Array.from({ length: N }, (_, i) => `t${i}`);
const secs = Number(process.env.SECS ?? 3);
try {
  await migrate(admin, { schema });
  const floor = await createFloor(admin as never, `${schema}_floor`, users);
  const fundStore = postgresStore({ pool: admin, schema });
  for (let i = 0; i < N; i += 500)
    await fundStore.executeMany!(users.slice(i, i + 500).map((u) => allocate("p", u, `fund-${u}`, 1_000_000_000)));
  let seq = 0;
  for (const conns of (process.env.CONNS ?? "1,16").split(",").map(Number)) {
    const pool = new pg.Pool({ connectionString: url, max: conns });
    const store = postgresStore({ pool, schema });
    for (const op of ["redeem", "allocate"] as const) {
      const res: Record<string, number[]> = { floor: [], store: [] };
      for (let round = 0; round < 3; round++) {
        for (const variant of ["floor", "store"] as const) {
          const stop = Date.now() + secs * 1000;
          let n = 0;
          await Promise.all(Array.from({ length: conns }, async () => {
            while (Date.now() < stop) {
              const i = seq++;
              const u = users[(i * 7919) % users.length]!;
              const rid = `${variant}-${op}-${i}`;
              if (variant === "floor") await floor.run(pool as never, op, u, rid);
              else await store.execute(op === "redeem" ? redeem("p", u, rid, 1) : allocate("p", u, rid, 100));
              n++;
            }
          }));
          res[variant]!.push(n / secs);
        }
      }
      const med = (a: number[]) => [...a].sort((x, y) => x - y)[1]!;
      console.log(`${op} conns=${conns}: floor ${med(res.floor!).toFixed(0)}/s store ${med(res.store!).toFixed(0)}/s ratio ${(med(res.store!) / med(res.floor!)).toFixed(2)}  rounds floor=${res.floor!.map(Math.round)} store=${res.store!.map(Math.round)}`);
    }
    await pool.end();
  }
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}_floor" CASCADE`);
  await admin.end();
}
