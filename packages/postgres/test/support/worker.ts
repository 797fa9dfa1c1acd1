/**
 * Runs the workload in its own process and prints its report as one JSON
 * line. Usage: tsx worker.ts <databaseUrl> <schema> <programId> <tag> <durationMs>
 */
import pg from "pg";
import { postgresStore } from "../../src/index.js";
import { runWorkload } from "./workload.js";

const [databaseUrl, schema, programId, tag, durationMs] = process.argv.slice(2);
if (
  databaseUrl === undefined ||
  schema === undefined ||
  programId === undefined ||
  tag === undefined
) {
  console.error("usage: worker.ts <databaseUrl> <schema> <programId> <tag> <durationMs>");
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 16 });
pool.on("error", () => {});
try {
  const store = postgresStore({ pool, schema });
  const report = await runWorkload(store, {
    programId,
    tag,
    callers: 32,
    durationMs: Number(durationMs ?? 3000),
    hotShare: 0.3,
    accounts: 40,
    sharedIds: 50,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await pool.end();
}
