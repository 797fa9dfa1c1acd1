/**
 * Postgres: allocations/s and redemptions/s at 1, 4 and 16 connections
 * (uniform over 10,000 accounts, hot set of 10), p50/p95/p99, against the
 * raw-SQL floor; cost growth by history size; bulk against single calls.
 *
 * The floor. One real command of each kind is run through a recording pool
 * on a capture account, which yields the exact statements the store sends
 * (text and parameters, in order). The floor then sends those same
 * statements raw through `pg`, on a connection of the same pool, for each
 * operation: only the ids and the few numbers that must follow the account
 * (version, next lot id, next entry seq, the lot's remaining coins, taken
 * from the rows the read statement returned) are rewritten. No rule, FIFO or
 * ledger logic runs. The floor writes to its own schema, built by the same
 * migration and funded the same way.
 */
import { createCoinage } from "@coinage/core";
import { migrate, postgresStore } from "@coinage/postgres";
import { benchBulk } from "./bulk.js";
import { amounts, PROGRAM, STORE_EVENT } from "./fixtures.js";
import { benchGrowth } from "./growth.js";
import type { Config, Report } from "./harness.js";
import { checkInvariants } from "./invariants.js";
import * as pg from "./pg.js";
import { makeSubject, type Subject } from "./subject.js";
import {
  accountPlan,
  connectionCounts,
  FUNDING_AMOUNT,
  fundAccounts,
  type Lane,
  type Op,
  runMatrix,
} from "./throughput.js";

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

// ---------------------------------------------------------------- recording

interface Call {
  readonly via: "pool" | "client";
  readonly text: string;
  readonly values: readonly unknown[] | undefined;
  rows: readonly Record<string, unknown>[];
}

/** A `pg.Pool` look-alike that records every statement while `on` is set. */
class RecordingPool {
  on = false;
  readonly calls: Call[] = [];
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
}

// -------------------------------------------------------------------- floor

type Json = Record<string, unknown>;

interface AccountState {
  version: number;
  nextLotId: number;
  nextEntrySeq: number;
  lots: Map<number, number>;
}

/** The account row and open lots a read statement returned. */
function stateOf(rows: readonly Record<string, unknown>[]): AccountState {
  const state: AccountState = { version: 0, nextLotId: 1, nextEntrySeq: 1, lots: new Map() };
  for (const row of rows) {
    const d = row.d as Json;
    if (row.kind === "account") {
      state.version = Number(d.version);
      state.nextLotId = Number(d.nextLotId);
      state.nextEntrySeq = Number(d.nextEntrySeq);
    } else if (row.kind === "lot") state.lots.set(Number(d.id), Number(d.remaining));
  }
  return state;
}

type StepKind = "begin" | "commit" | "event" | "claim" | "read" | "write";

interface Step {
  readonly kind: StepKind;
  readonly via: Call["via"];
  readonly text: string;
  readonly values: readonly unknown[] | undefined;
}

function classify(call: Call): StepKind {
  const text = call.text.trim();
  if (/^BEGIN/i.test(text)) return "begin";
  if (/^COMMIT/i.test(text)) return "commit";
  if (/WITH claim AS/.test(text)) return "claim";
  if (/^WITH k AS/.test(text)) return "read";
  if (/drop_claim AS/.test(text)) return "write";
  if (/^SELECT version, body FROM/.test(text)) return "event";
  throw new Error(
    `postgres floor: the store sent a statement the floor does not know; update benchmarks/src/postgres.ts:\n${text.slice(0, 200)}`,
  );
}

/** A captured command, replayable for any account and request id. */
class FloorPlan {
  readonly steps: Step[];
  readonly before: AccountState;
  constructor(
    calls: readonly Call[],
    readonly user: string,
    readonly request: string,
  ) {
    this.steps = calls.map((call) => ({
      kind: classify(call),
      via: call.via,
      text: call.text,
      values: call.values,
    }));
    const read = calls.find((c) => classify(c) === "read");
    if (read === undefined || !this.steps.some((s) => s.kind === "write")) {
      throw new Error("postgres floor: the captured command has no read or no write statement");
    }
    this.before = stateOf(read.rows);
  }

  #swap(value: unknown, user: string, request: string): unknown {
    if (typeof value !== "string") return value;
    return value.split(this.request).join(request).split(this.user).join(user);
  }

  #write(values: readonly unknown[], user: string, request: string, now: AccountState): unknown[] {
    const b = this.before;
    const lotId = (id: number) => (b.lots.has(id) ? id : now.nextLotId + (id - b.nextLotId));
    const lists = values.map((v) => JSON.parse(String(v)) as Json[]);
    const [accounts, lots, entries, usage, requests, drops, budgets] = lists as Json[][];
    for (const a of accounts ?? []) {
      a.u = user;
      a.version = now.version + (Number(a.version) - b.version);
      a.next_lot_id = now.nextLotId + (Number(a.next_lot_id) - b.nextLotId);
      a.next_entry_seq = now.nextEntrySeq + (Number(a.next_entry_seq) - b.nextEntrySeq);
    }
    for (const l of lots ?? []) {
      const id = Number(l.id);
      l.u = user;
      if (b.lots.has(id)) {
        l.remaining = String(
          (now.lots.get(id) ?? 0) + (Number(l.remaining) - (b.lots.get(id) ?? 0)),
        );
      } else {
        l.id = lotId(id);
        l.request_id = request;
      }
    }
    for (const e of entries ?? []) {
      e.u = user;
      e.seq = now.nextEntrySeq + (Number(e.seq) - b.nextEntrySeq);
      e.request_id = request;
      e.lots = (e.lots as Json[]).map((m) => ({ ...m, lotId: lotId(Number(m.lotId)) }));
    }
    for (const g of usage ?? []) g.u = user;
    for (const r of requests ?? []) {
      r.r = request;
      r.user_id = user;
      if (r.lot_id !== null) r.lot_id = lotId(Number(r.lot_id));
    }
    for (const d of drops ?? []) d.r = request;
    return [accounts, lots, entries, usage, requests, drops, budgets].map((x) =>
      JSON.stringify(x ?? []),
    );
  }

  /** Send the captured statements for `user` and `request`, one transaction on one pooled connection. */
  async run(pool: pg.Pool, user: string, request: string): Promise<void> {
    let client: pg.PoolClient | undefined;
    let state: AccountState | undefined;
    try {
      for (const step of this.steps) {
        let values: unknown[] | undefined;
        if (step.kind === "write") {
          if (state === undefined) throw new Error("postgres floor: write before read");
          values = this.#write(step.values ?? [], user, request, state);
        } else values = step.values?.map((v) => this.#swap(v, user, request));
        if (step.via === "pool") {
          await pool.query(step.text, values);
          continue;
        }
        client ??= await pool.connect();
        const result = await client.query(step.text, values);
        if (step.kind === "read") state = stateOf(result.rows);
        if (step.kind === "claim" && result.rows[0]?.locked !== true) {
          throw new Error(`postgres floor: account ${user} was not locked`);
        }
      }
    } catch (error) {
      await client?.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client?.release();
    }
  }
}

// --------------------------------------------------------------------- main

function databaseUrl(): URL {
  return new URL(process.env.DATABASE_URL ?? DEFAULT_URL);
}

async function reachable(url: URL): Promise<string | null> {
  if (!LOOPBACK.has(url.hostname))
    return `DATABASE_URL host ${url.hostname} is not a loopback address`;
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
  const admin = new pg.Pool({ connectionString: url.toString(), max: 8 });
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
  const floorCoins = createCoinage({
    store: postgresStore({ pool: recorder, schema: floorSchema }),
    program: { ...PROGRAM, id: programId },
  });
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

  // Capture one command of each kind on an account shaped like the others.
  const capUser = "floorcap-user";
  await floorCoins.allocate({
    userId: capUser,
    event: "SHOP",
    requestId: "floorcap-fund",
    amount: FUNDING_AMOUNT,
  });
  const plans = new Map<Op, FloorPlan>();
  for (const op of ["allocate", "redeem"] as const) {
    const request = `floorcap-${op}`;
    recorder.calls.length = 0;
    recorder.on = true;
    if (op === "allocate")
      await floorCoins.allocate({
        userId: capUser,
        event: "SHOP",
        requestId: request,
        amount: "12345.67",
      });
    else await floorCoins.redeem({ userId: capUser, coins: "1", requestId: request });
    recorder.on = false;
    plans.set(op, new FloorPlan(recorder.calls, capUser, request));
    console.log(
      `  ${op}: the store sends ${recorder.calls.length} statements (${plans
        .get(op)
        ?.steps.map((s) => s.kind)
        .join(", ")})`,
    );
  }
  report.notes.push(
    `postgres statements per command: ${[...plans].map(([op, p]) => `${op} ${p.steps.map((s) => s.kind).join("+")}`).join("; ")}`,
  );

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
        floor: (op, _w, userId, requestId) =>
          (plans.get(op) as FloorPlan).run(pool, userId, requestId),
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

  await pgGrowthAndBulk(config, report, subject);
  await checkInvariants("postgres", subject.store, subject.coins, subject.tracker, report, {
    concurrency: 8,
  });
  const floorRows = await admin.query(
    `SELECT count(*)::int AS n FROM "${floorSchema}".coinage_entries`,
  );
  report.check(
    "postgres floor: its statements wrote rows",
    Number(floorRows.rows[0]?.n) > everyone.length,
  );
}

async function pgGrowthAndBulk(config: Config, report: Report, subject: Subject): Promise<void> {
  await benchGrowth(subject, config, report, {
    realSeed: config.smoke ? 50 : 1000,
    parallel: 8,
    redeemsPerRound: config.smoke ? 10 : 30,
  });
  await benchBulk(subject, config, report, { min: 10 });
}
