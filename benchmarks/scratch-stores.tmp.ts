// scratch: open lots and bulk on Postgres and Redis in full mode, without the matrix (removed after use)
import { migrate, postgresStore } from "@coinage/postgres";
import { redisStore } from "@coinage/redis";
import Redis from "ioredis";
import { benchBulk } from "./src/bulk.ts";
import { configFor, Report } from "./src/harness.ts";
import { checkInvariants } from "./src/invariants.ts";
import { benchOpenLots } from "./src/openlots.ts";
import * as pg from "./src/pg.ts";
import { makeSubject } from "./src/subject.ts";
const config = configFor(process.argv.includes("--smoke"));
const report = new Report();
const runId = `scr${Date.now().toString(36)}`;
const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:5432/test", max: 16 });
const schema = `bench_${runId}`;
try {
  await migrate(pool, { schema });
  const s = await makeSubject("postgres", postgresStore({ pool, schema }), runId);
  await benchOpenLots(s, config, report);
  await benchBulk(s, config, report);
  await checkInvariants("postgres", s.store, s.coins, s.tracker, report, { concurrency: 8 });
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
const client = new Redis("redis://127.0.0.1:6379");
const prefix = `bench-${runId}`;
try {
  const s = await makeSubject("redis", redisStore({ client, prefix }), runId);
  await benchOpenLots(s, config, report);
  await benchBulk(s, config, report);
  await checkInvariants("redis", s.store, s.coins, s.tracker, report, { concurrency: 8 });
} finally {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== "0");
  client.disconnect();
}
console.log(report.table());
for (const row of report.targets) console.log(`${row.target?.met ? "PASS" : "FAIL"}  ${row.section}: ${row.name} ${row.ratio?.label} ${row.ratio?.value.median.toFixed(2)} (target ${row.target?.text})`);
console.log(`windows: ${report.windows.count}, shortest ${report.windows.shortestMs.toFixed(0)} ms; checks failed: ${report.checks.filter((c) => !c.pass).length}`);
