/**
 * Faults: backends killed mid-command, statements timing out, servers that
 * are not there. Each call either succeeded and is fully in the tables, or
 * failed with STORE_UNAVAILABLE and left nothing partial; retrying with the
 * same request id then books it exactly once.
 */
import { CoinageError, type Store } from "@coinage/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "../src/index.js";
import { checkInvariants } from "./support/invariants.js";
import { allocate, NO_READS, redeem } from "./support/ledger.js";
import {
  DATABASE_URL,
  type Fixture,
  newPool,
  pgliteFixture,
  serverFixture,
  skipServerTests,
} from "./support/server.js";

const skip = await skipServerTests("faults.test.ts");

function expectUnavailable(error: unknown): void {
  expect(CoinageError.is(error, "STORE_UNAVAILABLE"), String(error)).toBe(true);
  expect((error as CoinageError).cause).toBeDefined();
}

/** Per request id: how many request rows, entries and lots it has. */
async function traces(fixture: Fixture, programId: string, ids: readonly string[]) {
  const rows = await fixture.sql(
    `SELECT rid,
       (SELECT count(*)::int FROM coinage_requests q WHERE q.program_id = $1 AND q.request_id = rid) AS requests,
       (SELECT count(*)::int FROM coinage_entries e WHERE e.program_id = $1 AND e.request_id = rid) AS entries,
       (SELECT count(*)::int FROM coinage_lots l WHERE l.program_id = $1 AND l.request_id = rid) AS lots
     FROM unnest($2::text[]) AS rid`,
    [programId, ids],
  );
  return new Map(
    rows.map((row) => [
      String(row.rid),
      { requests: row.requests, entries: row.entries, lots: row.lots },
    ]),
  );
}

const FULL = { requests: 1, entries: 1, lots: 1 };
const NONE = { requests: 0, entries: 0, lots: 0 };

/** Run every command; collect which failed (and check how). */
async function runAll(
  store: Store,
  commands: readonly ReturnType<typeof allocate>[],
): Promise<Set<string>> {
  const failed = new Set<string>();
  await Promise.all(
    commands.map(async (command) => {
      try {
        await store.execute(command);
      } catch (error) {
        expectUnavailable(error);
        failed.add(command.request?.requestId as string);
      }
    }),
  );
  return failed;
}

/** After faults: successes complete, failures complete or absent (never partial); retries book once. */
async function expectAllOrNothingThenRetry(
  fixture: Fixture,
  programId: string,
  commands: readonly ReturnType<typeof allocate>[],
  failed: ReadonlySet<string>,
): Promise<void> {
  const ids = commands.map((command) => command.request?.requestId as string);
  const before = await traces(fixture, programId, ids);
  for (const id of ids) {
    const trace = before.get(id);
    if (failed.has(id)) {
      // A connection lost while COMMIT was in flight cannot tell whether it committed.
      expect([NONE, FULL], id).toContainEqual(trace);
    } else {
      expect(trace, id).toEqual(FULL);
    }
  }
  for (const command of commands.filter((c) => failed.has(c.request?.requestId as string))) {
    const outcome = await fixture.store.execute(command);
    expect(["committed", "replayed"]).toContain(outcome.status);
  }
  const after = await traces(fixture, programId, ids);
  for (const id of ids) expect(after.get(id), id).toEqual(FULL);
  expect((await checkInvariants(fixture, programId)).problems).toEqual([]);
}

describe.skipIf(skip)("postgres faults", () => {
  let fixture: Fixture & { pool: pg.Pool; schema: string };
  const appName = `coinage-faults-${process.pid}`;
  beforeAll(async () => {
    fixture = await serverFixture({ max: 6, application_name: appName });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("pg_terminate_backend - killed backends fail calls with STORE_UNAVAILABLE and leave nothing partial", async () => {
    const programId = "terminate";
    const killer = newPool({ max: 1 });
    let killing = true;
    let killed = 0;
    const kills = (async () => {
      for (let round = 0; killing && round < 2_000; round++) {
        const { rows } = await killer.query(
          "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle') t",
          [appName],
        );
        killed += Number(rows[0]?.n ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 3 + Math.random() * 10));
      }
    })();
    const commands = Array.from({ length: 300 }, (_, i) =>
      allocate(programId, `user-${i % 7}`, `t-${i}`, 1 + (i % 3)),
    );
    let failed: Set<string>;
    try {
      failed = new Set<string>();
      // In waves, so there are always commands in flight for the killer to hit.
      for (let wave = 0; wave < commands.length; wave += 30) {
        for (const id of await runAll(fixture.store, commands.slice(wave, wave + 30)))
          failed.add(id);
      }
    } finally {
      killing = false;
      await kills;
      await killer.end();
    }
    expect(killed).toBeGreaterThan(0);
    expect(failed.size).toBeGreaterThan(0);
    await expectAllOrNothingThenRetry(fixture, programId, commands, failed);
  });

  it("statement_timeout - a statement waiting too long fails with STORE_UNAVAILABLE and writes nothing", async () => {
    const programId = "lock-wait";
    await fixture.store.execute(allocate(programId, "u", "seed", 5));
    const slowPool = newPool({ max: 2, options: "-c statement_timeout=300" });
    const slow = postgresStore({ pool: slowPool, schema: fixture.schema });
    const holder = await fixture.pool.connect();
    try {
      // Another transaction holds the account row: the store's lock waits, then times out.
      await holder.query("BEGIN");
      await holder.query(
        `SELECT 1 FROM "${fixture.schema}".coinage_accounts WHERE program_id = $1 AND user_id = 'u' FOR UPDATE`,
        [programId],
      );
      const error = await slow
        .execute(redeem(programId, "u", "slow-1", 2))
        .catch((e: unknown) => e);
      expectUnavailable(error);
      expect(((error as CoinageError).cause as { code?: string }).code).toBe("57014");
      await holder.query("ROLLBACK");
      expect(await fixture.store.findRequest(programId, "slow-1")).toBeNull();
      expect((await fixture.store.loadAccount(programId, "u", NO_READS)).version).toBe(1);
      const retried = await slow.execute(redeem(programId, "u", "slow-1", 2));
      expect(retried.status).toBe("committed");
      expect((await slow.execute(redeem(programId, "u", "slow-1", 2))).status).toBe("replayed");
      expect((await fixture.store.loadAccount(programId, "u", NO_READS)).version).toBe(2);
    } finally {
      holder.release();
      await slowPool.end();
    }
  });

  it("statement_timeout - a tiny timeout on a pool: each call committed as the tables say, or STORE_UNAVAILABLE with nothing written; then retried once", async () => {
    const programId = "tiny-timeout";
    const users = ["user-0", "user-1", "user-2"];
    await fixture.store.execute(allocate(programId, "user-0", "tiny-seed", 1));
    const tinyOptions = "-c statement_timeout=1";
    const concurrent = Array.from({ length: 120 }, (_, i) =>
      allocate(programId, users[i % 3] as string, `tiny-${i}`, 1),
    );
    // The free accounts again, one call at a time: without lock waits most of these fit in 1 ms.
    const sequential = Array.from({ length: 40 }, (_, i) =>
      allocate(programId, users[1 + (i % 2)] as string, `tiny-seq-${i}`, 1),
    );
    const commands = [...concurrent, ...sequential];
    const settled: PromiseSettledResult<Awaited<ReturnType<Store["execute"]>>>[] = [];
    const holder = await fixture.pool.connect();
    const tinyPool = newPool({ max: 8, options: tinyOptions });
    const onePool = newPool({ max: 1, options: tinyOptions });
    try {
      // user-0's account row stays locked by another transaction while its calls
      // run, so each waits longer than the timeout: the failure branch runs for
      // certain. The other accounts are free; their calls go either way.
      await holder.query("BEGIN");
      await holder.query(
        `SELECT 1 FROM "${fixture.schema}".coinage_accounts WHERE program_id = $1 AND user_id = 'user-0' FOR UPDATE`,
        [programId],
      );
      const tiny = postgresStore({ pool: tinyPool, schema: fixture.schema });
      settled.push(...(await Promise.allSettled(concurrent.map((c) => tiny.execute(c)))));
      await holder.query("ROLLBACK");
      const one = postgresStore({ pool: onePool, schema: fixture.schema });
      for (const command of sequential) {
        settled.push(...(await Promise.allSettled([one.execute(command)])));
      }
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
      await tinyPool.end();
      await onePool.end();
    }

    const ids = commands.map((command) => command.request?.requestId as string);
    const trace = await traces(fixture, programId, ids);
    const rows = await fixture.sql(
      `SELECT l.request_id, l.user_id, l.id::int AS lot_id, l.coins::int AS coins,
              e.balance_after::int AS balance_after
         FROM coinage_lots l
         JOIN coinage_entries e
           ON e.program_id = l.program_id AND e.user_id = l.user_id AND e.request_id = l.request_id
        WHERE l.program_id = $1 AND l.request_id = ANY($2::text[])`,
      [programId, ids],
    );
    const booked = new Map(rows.map((row) => [String(row.request_id), row]));
    const failed = new Set<string>();
    expect(settled).toHaveLength(commands.length);
    settled.forEach((outcome, i) => {
      const id = ids[i] as string;
      if (outcome.status === "rejected") {
        expectUnavailable(outcome.reason);
        expect(trace.get(id), `${id} failed, so nothing of it may be written`).toEqual(NONE);
        failed.add(id);
        return;
      }
      expect(outcome.value.status, id).toBe("committed");
      expect(trace.get(id), id).toEqual(FULL);
      const { result } = outcome.value as {
        result: { lotId: number; coins: number; balance: number };
      };
      expect(booked.get(id), `${id}: the returned result is what the tables hold`).toEqual({
        request_id: id,
        user_id: commands[i]?.userId,
        lot_id: result.lotId,
        coins: result.coins,
        balance_after: result.balance,
      });
    });
    // Every call of the locked account took the failure branch.
    const lockedIds = ids.filter((_, i) => commands[i]?.userId === "user-0");
    expect(lockedIds).toHaveLength(40);
    expect(lockedIds.filter((id) => failed.has(id))).toEqual(lockedIds);
    console.log(
      `tiny timeout: ${ids.length - failed.size} committed, ${failed.size} STORE_UNAVAILABLE`,
    );

    for (const command of commands.filter((c) => failed.has(c.request?.requestId as string))) {
      expect((await fixture.store.execute(command)).status).toBe("committed");
    }
    const after = await traces(fixture, programId, ids);
    for (const id of ids) expect(after.get(id), id).toEqual(FULL);
    expect((await checkInvariants(fixture, programId)).problems).toEqual([]);
  });

  it("unreachable server - every method fails with STORE_UNAVAILABLE", async () => {
    const url = new URL(DATABASE_URL);
    url.port = "1";
    const pool = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1_000 });
    pool.on("error", () => {});
    const store = postgresStore({ pool });
    try {
      for (const call of [
        () => store.execute(allocate("p", "u", "r", 1)),
        () => store.executeMany?.([allocate("p", "u", "r", 1)]),
        () => store.loadAccount("p", "u", NO_READS),
        () => store.history("p", "u", { limit: 1 }),
        () => store.getEvent("p", "e"),
        () => store.findRequest("p", "r"),
        () => store.findExpiring("p", 0, { limit: 1 }),
        () => store.getBudgetUsed("p", "e"),
      ]) {
        expectUnavailable(await Promise.resolve(call()).catch((e: unknown) => e));
      }
    } finally {
      await pool.end();
    }
  });
});

describe("pglite faults", () => {
  it("a closed PGlite instance - calls fail with STORE_UNAVAILABLE", async () => {
    const fixture = await pgliteFixture();
    await fixture.store.execute(allocate("p", "u", "r", 1));
    await fixture.close();
    expectUnavailable(
      await fixture.store.execute(allocate("p", "u", "r2", 1)).catch((e: unknown) => e),
    );
    expectUnavailable(await fixture.store.loadAccount("p", "u", NO_READS).catch((e: unknown) => e));
  });
});
