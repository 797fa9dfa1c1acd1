/**
 * Postgres: allocations/s and redemptions/s at 1, 4 and 16 connections
 * (uniform over 10,000 accounts, hot set of 10), p50/p95/p99, against the
 * raw-SQL floor; cost growth by history size; bulk against single calls.
 *
 * The floor. Each command is run through a recording pool on several
 * capture accounts whose states differ, which yields the exact statements
 * the store sends (text, parameters and answers, in order). `replay.ts` fits
 * a plan on three of them and checks it against a fourth: every parameter
 * leaf is a constant (ids swapped), follows a value an earlier statement
 * returned (version + 1, next lot id, next entry seq, a lot's remaining − 1,
 * copied columns), or is sent as captured (clock readings, hashes,
 * balances). The floor then sends those statements raw through `pg`, on a
 * connection of the same pool, for each operation; no rule, FIFO or ledger
 * logic runs. It writes to its own schema, built by the same migration and
 * funded the same way. When the store's statements cannot be replayed so,
 * the run stops and says why.
 */
import { type Coinage, createCoinage, type Store } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { benchBulk } from "./bulk.js";
import { amounts, PROGRAM, STORE_EVENT } from "./fixtures.js";
import { benchGrowth, seedCommand } from "./growth.js";
import { type Config, nonLoopback, type Report } from "./harness.js";
import { checkInvariants } from "./invariants.js";
import { benchOpenLots } from "./openlots.js";
import * as pg from "./pg.js";
import { buildPlan, type Call, type Capture, type ReplayPlan } from "./replay.js";
import { makeSubject, type Subject } from "./subject.js";
import {
  accountPlan,
  connectionCounts,
  FUNDING_AMOUNT,
  fundAccounts,
  type Lane,
  OPS,
  type Op,
  runMatrix,
} from "./throughput.js";

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";

// ---------------------------------------------------------------- recording

/** A `pg.Pool` look-alike that records every statement (and its answer) while `on` is set. */
class RecordingPool {
  on = false;
  calls: Call[] = [];
  constructor(readonly pool: pg.Pool) {}

  get totalCount(): number {
    return this.pool.totalCount;
  }
  get idleCount(): number {
    return this.pool.idleCount;
  }

  async #run(via: Call["via"], target: pg.Queryable, text: string, values?: unknown[]) {
    const result = await target.query(text, values);
    if (this.on) this.calls.push({ via, text, values: values?.slice(), rows: result.rows });
    return result;
  }

  query(text: string, values?: unknown[]) {
    return this.#run("pool", this.pool, text, values);
  }

  async connect() {
    const client = await this.pool.connect();
    return {
      query: (text: string, values?: unknown[]) => this.#run("client", client, text, values),
      release: (destroy?: boolean | Error) => client.release(destroy),
    };
  }

  /** The statements `fn` sends. */
  async record(fn: () => Promise<unknown>): Promise<Call[]> {
    this.calls = [];
    this.on = true;
    try {
      await fn();
    } finally {
      this.on = false;
    }
    return this.calls;
  }
}

// -------------------------------------------------------------------- floor

/**
 * Capture accounts, each funded like every benchmark account and then given
 * a different history, so that version, next lot id, next entry seq, the
 * funded lot's remaining coins and the usage counter move independently from
 * one to the next (the seeded entries book several entries under one
 * version). The last one is held out of the fitting and only checked.
 */
const CAPTURES: readonly {
  tag: string;
  allocations: string[];
  seeded: number;
  redeemed: number;
}[] = [
  { tag: "a", allocations: [], seeded: 0, redeemed: 0 },
  { tag: "b", allocations: ["500.00"], seeded: 0, redeemed: 3 },
  { tag: "c", allocations: [], seeded: 5, redeemed: 2 },
  { tag: "d", allocations: ["800.00", "900.00"], seeded: 2, redeemed: 1 },
];

/**
 * The replay plan of each operation, fitted on all captures but the last and
 * checked against it (`buildPlan` throws when it cannot reproduce it); the
 * reasons of the operations that could not be fitted so.
 */
async function capturePlans(
  recorder: RecordingPool,
  coins: Coinage,
  store: Store,
): Promise<{ plans: Map<Op, ReplayPlan>; problems: string[] }> {
  const captured = new Map<Op, Capture[]>(OPS.map((op) => [op, []]));
  for (const { tag, allocations, seeded, redeemed } of CAPTURES) {
    const user = `floorcap-${tag}-u`;
    const requestId = (what: string) => `floorcap-${tag}-${what}`;
    await coins.allocate({
      userId: user,
      event: "SHOP",
      requestId: requestId("fund"),
      amount: FUNDING_AMOUNT,
    });
    for (const [k, amount] of allocations.entries()) {
      await coins.allocate({ userId: user, event: "SHOP", requestId: requestId(`a${k}`), amount });
    }
    if (seeded > 0) await store.execute(seedCommand(coins.program.id, user, seeded));
    if (redeemed > 0)
      await coins.redeem({ userId: user, coins: String(redeemed), requestId: requestId("r") });
    for (const op of OPS) {
      const request = requestId(op);
      const calls = await recorder.record(() =>
        op === "allocate"
          ? coins.allocate({ userId: user, event: "SHOP", requestId: request, amount: "12345.67" })
          : coins.redeem({ userId: user, coins: "1", requestId: request }),
      );
      captured.get(op)?.push({ user, request, calls });
    }
  }
  const plans = new Map<Op, ReplayPlan>();
  const problems: string[] = [];
  for (const [op, captures] of captured) {
    const heldOut = captures[captures.length - 1] as Capture;
    try {
      plans.set(op, buildPlan(`postgres floor (${op})`, captures.slice(0, -1), heldOut));
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { plans, problems };
}

// --------------------------------------------------------------------- main

function databaseUrl(): URL {
  return new URL(process.env.DATABASE_URL ?? DEFAULT_URL);
}

async function reachable(url: URL): Promise<string | null> {
  const refused = nonLoopback(url, "DATABASE_URL");
  if (refused !== null) return refused;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `cannot reach ${url.host}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function benchPostgres(config: Config, report: Report, runId: string): Promise<void> {
  const url = databaseUrl();
  const problem = await reachable(url);
  if (problem !== null) {
    if (process.env.CI === "true") report.check("postgres: server reachable (CI)", false, problem);
    else report.skip("postgres", `${problem} (set DATABASE_URL; skipped)`);
    return;
  }
  const schema = `bench_${runId}`;
  const floorSchema = `bench_${runId}_floor`;
  // 16 connections: bulk's concurrent single calls run 16 callers on this pool.
  const admin = new pg.Pool({ connectionString: url.toString(), max: 16 });
  try {
    await migrate(admin, { schema });
    await migrate(admin, { schema: floorSchema });
    await benchPostgresIn(config, report, runId, url, admin, schema, floorSchema);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS "${floorSchema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

async function benchPostgresIn(
  config: Config,
  report: Report,
  runId: string,
  url: URL,
  admin: pg.Pool,
  schema: string,
  floorSchema: string,
): Promise<void> {
  const subject = await makeSubject("postgres", postgresStore({ pool: admin, schema }), runId);
  const programId = subject.coins.program.id;

  // The floor's namespace: same migration, same program id and event, funded the same way.
  const recorder = new RecordingPool(admin);
  const floorStore = postgresStore({ pool: recorder, schema: floorSchema });
  const floorCoins = createCoinage({ store: floorStore, program: { ...PROGRAM, id: programId } });
  await floorCoins.events.create(STORE_EVENT);

  const plan = accountPlan(config);
  const everyone = [...plan.uniform, ...plan.hot.flat()];
  console.log(`  funding ${everyone.length} accounts in each schema`);
  await fundAccounts(
    (items) => subject.tracker.allocateMany(subject.coins, items),
    everyone,
    subject.ids,
  );
  await fundAccounts((items) => floorCoins.allocateMany(items), everyone, `${subject.ids}-floor`);

  // Record each command on the capture accounts and fit the replay plans.
  const { plans, problems } = await capturePlans(recorder, floorCoins, floorStore);
  for (const [op, plan] of plans) {
    const { statements, followed, fixed } = plan.summary();
    console.log(
      `  ${op}: the store sends ${statements.length} statements (${statements.join(", ")}); ` +
        `the floor replays them with ${followed} values following the account and ` +
        `${fixed.length} sent as captured (${fixed.join(" ")})`,
    );
  }
  report.check(
    "postgres floor: the replay reproduces the store's statements for a capture it was not fitted on",
    problems.length === 0 && plans.size === OPS.length,
    [
      ...problems,
      ...[...plans].map(([op, p]) => {
        const { statements, followed, fixed } = p.summary();
        return `${op}: ${statements.length} statements, ${followed} values follow the account, ${fixed.length} as captured`;
      }),
    ].join("; "),
  );
  // Without a plan for every operation there is no floor to measure against.
  if (problems.length > 0 || plans.size !== OPS.length) return;
  report.notes.push(
    `postgres statements per command: ${[...plans]
      .map(([op, p]) => `${op} ${p.summary().statements.join(" + ")}`)
      .join("; ")}`,
  );

  const floorEntries = async () =>
    Number(
      (await admin.query(`SELECT count(*)::int AS n FROM "${floorSchema}".coinage_entries`)).rows[0]
        ?.n,
    );
  const entriesBefore = await floorEntries();
  let floorCalls = 0;
  const pools: pg.Pool[] = [];
  try {
    const lanes: Lane[] = connectionCounts(config).map((conns) => {
      const pool = new pg.Pool({ connectionString: url.toString(), max: conns });
      pools.push(pool);
      const coins = createCoinage({
        store: postgresStore({ pool, schema }),
        program: { ...PROGRAM, id: programId },
      });
      return {
        conns,
        store: (op, _w, userId, requestId, amount) =>
          op === "allocate"
            ? subject.tracker.allocate(coins, { userId, event: "SHOP", requestId, amount })
            : subject.tracker.redeem(coins, { userId, coins: "1", requestId }),
        floor: async (op, _w, userId, requestId) => {
          await (plans.get(op) as ReplayPlan).run(pool, userId, requestId);
          floorCalls++;
        },
      };
    });
    await runMatrix(
      config,
      report,
      { section: "postgres", floorLabel: "raw SQL", target: 0.7, subject },
      lanes,
      amounts(1024, 3),
    );
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }

  // Each replayed allocation or redemption books exactly one history entry, as the store's does.
  const written = (await floorEntries()) - entriesBefore;
  report.check(
    "postgres floor: each replayed command wrote its history entry",
    floorCalls > 0 && written === floorCalls,
    `${floorCalls} replayed commands, ${written} entries`,
  );

  await pgGrowthAndBulk(config, report, subject);
  await checkInvariants("postgres", subject.store, subject.coins, subject.tracker, report, {
    concurrency: 8,
  });
}

async function pgGrowthAndBulk(config: Config, report: Report, subject: Subject): Promise<void> {
  await benchOpenLots(subject, config, report);
  await benchGrowth(subject, config, report, {
    realSeed: config.smoke ? 50 : 1000,
    parallel: 8,
    redeemsPerRound: config.smoke ? 10 : 30,
  });
  await benchBulk(subject, config, report);
}
