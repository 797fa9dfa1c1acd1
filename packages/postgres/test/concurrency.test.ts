/**
 * Concurrency against the real server, through the engine: a pool of 16
 * connections, 32 concurrent callers, a hot account and many accounts, then
 * the same from two separate Node processes at once; afterwards the tables
 * are read directly and the invariants checked.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants, redemptionsOutOfOrder } from "./support/invariants.js";
import { DATABASE_URL, type Fixture, serverFixture, skipServerTests } from "./support/server.js";
import {
  BUDGET_LIMIT,
  runWorkload,
  setupEvents,
  unexpectedErrors,
  type WorkloadReport,
} from "./support/workload.js";

const skip = await skipServerTests("concurrency.test.ts");
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const worker = fileURLToPath(new URL("./support/worker.ts", import.meta.url));

async function expectSound(
  fixture: Fixture,
  programId: string,
  reports: readonly WorkloadReport[],
) {
  for (const report of reports) {
    expect(unexpectedErrors(report), "no STORE_UNAVAILABLE, no unknown errors").toEqual({});
    expect(report.operations).toBeGreaterThan(50);
  }
  if (process.env.COINAGE_VERBOSE)
    console.info(
      programId,
      reports.map((r) => ({
        operations: r.operations,
        committed: r.committed.length,
        errors: r.errors,
      })),
    );
  const invariants = await checkInvariants(fixture, programId);
  expect(invariants.problems).toEqual([]);
  expect(invariants.accounts).toBeGreaterThan(1);
  expect(await redemptionsOutOfOrder(fixture, programId)).toEqual([]);
  // Every request id that any caller saw succeed is booked exactly once, and nothing else is.
  const committed = new Set(reports.flatMap((report) => report.committed));
  const rows = await fixture.sql("SELECT request_id FROM coinage_requests WHERE program_id = $1", [
    programId,
  ]);
  expect(rows.length).toBe(committed.size);
  for (const row of rows) expect(committed.has(String(row.request_id))).toBe(true);
  const [budget] = await fixture.sql(
    "SELECT coalesce((SELECT used FROM coinage_budgets WHERE program_id = $1 AND event_id = 'BUDGET'), 0)::int AS used",
    [programId],
  );
  expect(Number(budget?.used)).toBeLessThanOrEqual(BUDGET_LIMIT);
}

function runWorker(
  schema: string,
  programId: string,
  tag: string,
  durationMs: number,
): Promise<WorkloadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "npx",
      [
        "tsx",
        "--tsconfig",
        "tsconfig.json",
        worker,
        DATABASE_URL,
        schema,
        programId,
        tag,
        String(durationMs),
      ],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`worker ${tag} exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as WorkloadReport);
    });
  });
}

describe.skipIf(skip)("postgres concurrency", () => {
  let fixture: Fixture & { schema: string };
  beforeAll(async () => {
    fixture = await serverFixture({ max: 16 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("hot account - 32 callers on 16 connections for 3 s keep every invariant", async () => {
    const programId = "hot";
    await setupEvents(fixture.store, programId);
    const report = await runWorkload(fixture.store, {
      programId,
      tag: "hot",
      callers: 32,
      durationMs: 3_000,
      hotShare: 0.9,
      accounts: 4,
      sharedIds: 20,
    });
    await expectSound(fixture, programId, [report]);
  });

  it("many accounts - 32 callers on 16 connections for 3 s keep every invariant", async () => {
    const programId = "many";
    await setupEvents(fixture.store, programId);
    const report = await runWorkload(fixture.store, {
      programId,
      tag: "many",
      callers: 32,
      durationMs: 3_000,
      hotShare: 0,
      accounts: 200,
      sharedIds: 50,
    });
    await expectSound(fixture, programId, [report]);
  });

  it("two processes - the same workload from two Node processes at once keeps every invariant", async () => {
    const programId = "two-processes";
    await setupEvents(fixture.store, programId);
    const reports = await Promise.all([
      runWorker(fixture.schema, programId, "p1", 3_000),
      runWorker(fixture.schema, programId, "p2", 3_000),
    ]);
    await expectSound(fixture, programId, reports);
  }, 120_000);
});
