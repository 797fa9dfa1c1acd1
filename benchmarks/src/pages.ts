/**
 * Program-wide pages: what one page of `expiring` (100 accounts) and of
 * `feed` (100 entries) costs, read from the middle of programs of 10,000,
 * 100,000 and 1,000,000 accounts (smoke: 1,000 and 10,000), per store. A
 * page reads an index from its cursor, so its cost must not grow with the
 * program: the target is the largest program's page at most 1.5× the
 * smallest's, in the same rounds.
 *
 * Each account holds one lot (its own expiry, increasing with the account
 * number, all within 30 days) and one entry. They are seeded below the
 * engine, as the store keeps them: on memory through `executeMany` with
 * decided changes, on PostgreSQL by `generate_series` into its tables (a
 * million accounts through the engine would take most of an hour). Pages
 * start at the middle account, with a cursor built as the engine builds one.
 */
import { type AccountCommand, type Coinage, createCoinage, type Store } from "@coinage/core";
import { PROGRAM } from "./fixtures.js";
import {
  type Config,
  heading,
  percentiles,
  type Report,
  ratios,
  rounds,
  runConcurrent,
  spread,
  type Window,
} from "./harness.js";

/** The largest program's page may cost at most this many times the smallest's. */
export const PAGE_TARGET = 1.5;
const PAGE = 100;
const DAY = 86_400_000;
const SPAN = 30 * DAY;

export function programSizes(config: Config): number[] {
  return config.smoke ? [1000, 10_000] : [10_000, 100_000, 1_000_000];
}

/** Account `i` of a seeded program: ids sort as the accounts' expiries do. */
export const seededUser = (i: number): string => `u${String(i).padStart(7, "0")}`;

/** The expiry of account `i`'s lot, of `n`, from `start`: increasing, all within 30 days. */
export const seededExpiry = (start: number, i: number, n: number): number =>
  start + DAY + Math.floor((i * (SPAN - DAY)) / n);

/** How a store's programs are seeded and where its feed's middle is. */
export interface PagesTarget {
  readonly label: string;
  readonly store: Store;
  seed(programId: string, n: number, start: number): Promise<void>;
  /** The feed position of account `i`'s entry. */
  feedPosition(programId: string, i: number): Promise<string>;
}

/** Memory: `n` decided one-lot, one-entry changes through `executeMany`, in expiry order. */
export function memoryPages(store: Store): PagesTarget {
  return {
    label: "memory",
    store,
    async seed(programId, n, start) {
      const execute = store.executeMany?.bind(store);
      if (execute === undefined) throw new Error("the memory store has executeMany");
      for (let from = 0; from < n; from += 10_000) {
        const commands: AccountCommand<null>[] = [];
        for (let i = from; i < Math.min(n, from + 10_000); i++)
          commands.push(seedCommand(programId, seededUser(i), start, seededExpiry(start, i, n)));
        const outcomes = await execute(commands);
        if (outcomes.some((o) => o.status !== "committed")) throw new Error("seeding failed");
      }
    },
    async feedPosition(_programId, i) {
      // The program's feed holds the seeded entries in account order.
      return String(i);
    },
  };
}

function seedCommand(
  programId: string,
  userId: string,
  at: number,
  expiresAt: number,
): AccountCommand<null> {
  return {
    programId,
    userId,
    reads: { at, usageKeys: [], requestIds: [], lotIds: [] },
    decide() {
      return {
        change: {
          lots: [
            {
              id: 1,
              coins: "10",
              remaining: "10",
              earnedAt: at,
              availableAt: at,
              expiresAt,
              eventId: null,
              requestId: null,
              expired: "0",
              shortfall: "0",
            },
          ],
          totals: { open: "10", pending: "0", asOf: at, nextChangeAt: expiresAt },
          debt: "0",
          nextLotId: 2,
          nextEntrySeq: 2,
          entries: [
            {
              seq: 1,
              type: "earn",
              coins: "10",
              balanceAfter: "10",
              debtAfter: "0",
              requestId: null,
              lots: [{ lotId: 1, coins: "10", before: "0" }],
              eventId: null,
              at,
              reason: "seeded",
            },
          ],
          usage: {},
          requests: [],
        },
        result: null,
      };
    },
  };
}

interface Querier {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** PostgreSQL: the same rows, written by `generate_series` into the store's tables in `schema`. */
export function postgresPages(store: Store, admin: Querier, schema: string): PagesTarget {
  const t = (name: string) => `"${schema}".coinage_${name}`;
  const user = "'u' || lpad(i::text, 7, '0')";
  const expiry =
    "($2::bigint + 86400000 + floor(i * ($3::bigint - 86400000)::numeric / $4))::bigint";
  return {
    label: "postgres",
    store,
    async seed(programId, n, start) {
      const values = [programId, start, SPAN, n];
      const series = "FROM generate_series(0, $4::int - 1) i";
      await admin.query(
        `INSERT INTO ${t("accounts")} (program_id, user_id, version, debt, next_lot_id,
           next_entry_seq, open_coins, pending_coins, totals_as_of, next_change_at)
         SELECT $1, ${user}, 1, 0, 2, 2, 10, 0, $2, ${expiry} ${series}`,
        values,
      );
      await admin.query(
        `INSERT INTO ${t("lots")} (program_id, user_id, id, coins, remaining, earned_at,
           available_at, expires_at, expired, shortfall)
         SELECT $1, ${user}, 1, 10, 10, $2, $2, ${expiry}, 0, 0 ${series}`,
        values,
      );
      await admin.query(
        `INSERT INTO ${t("entries")} (program_id, user_id, seq, type, coins, balance_after,
           debt_after, lots, at, reason)
         SELECT $1, ${user}, 1, 'earn', 10, 10, 0,
           '[{"lotId":1,"coins":"10","before":"0"}]'::jsonb, $2, 'seeded'
         FROM generate_series(0, $3::int - 1) i`,
        [programId, start, n],
      );
      await admin.query(`ANALYZE ${t("accounts")}, ${t("lots")}, ${t("entries")}`);
    },
    async feedPosition(programId, i) {
      const { rows } = await admin.query(
        `SELECT tx::text AS tx, seq::text AS seq FROM ${t("entries")}
         WHERE program_id = $1 AND user_id = $2`,
        [programId, seededUser(i)],
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`no entry of ${seededUser(i)}`);
      return `${String(row.tx)}:${String(row.seq)}:${seededUser(i)}`;
    },
  };
}

export async function benchPages(
  target: PagesTarget,
  config: Config,
  report: Report,
  runId: string,
): Promise<void> {
  heading(`pages (${target.label}): expiring and feed pages by program size`);
  const sizes = programSizes(config);
  const start = Date.now();
  const programs = new Map<number, { coins: Coinage; cursor: string; after: string }>();
  for (const n of sizes) {
    const programId = `bench-${runId}-pages-${n}`;
    const t0 = Date.now();
    await target.seed(programId, n, start);
    const middle = Math.floor(n / 2);
    programs.set(n, {
      coins: createCoinage({ store: target.store, program: { ...PROGRAM, id: programId } }),
      cursor: `${seededExpiry(start, middle, n)}:${seededUser(middle)}`,
      after: await target.feedPosition(programId, middle),
    });
    console.log(
      `  seeded ${n.toLocaleString("en-US")} accounts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }

  // Every page holds a full page of the accounts after the middle, in order.
  const problems: string[] = [];
  for (const [n, { coins, cursor, after }] of programs) {
    const expiring = await coins.expiring({
      before: new Date(start + SPAN + DAY),
      limit: PAGE,
      cursor,
    });
    const feed = await coins.feed({ after, limit: PAGE });
    const first = seededUser(Math.floor(n / 2) + 1);
    if (expiring.items.length !== PAGE || expiring.items[0]?.userId !== first)
      problems.push(
        `expiring on ${n}: ${expiring.items.length} items from ${expiring.items[0]?.userId}`,
      );
    if (feed.items.length !== PAGE || feed.items[0]?.userId !== first)
      problems.push(`feed on ${n}: ${feed.items.length} items from ${feed.items[0]?.userId}`);
  }
  report.check(
    `pages ${target.label}: every page holds ${PAGE} accounts from the middle on`,
    problems.length === 0,
    problems.length === 0 ? `sizes ${sizes.join(", ")}` : problems.slice(0, 3).join("; "),
  );

  const latencies = new Map<string, number[]>();
  const variants: Record<string, (w: Window) => Promise<number>> = {};
  for (const [n, { coins, cursor, after }] of programs) {
    const measure = (key: string, op: () => Promise<unknown>) => async (w: Window) => {
      const run = await runConcurrent(w.ioMs, 1, () => op());
      if (!w.warmup) {
        const kept = latencies.get(key) ?? [];
        for (const l of run.latencies) kept.push(l);
        latencies.set(key, kept);
      }
      return percentiles(run.latencies).p50 * 1000;
    };
    const before = new Date(start + SPAN + DAY);
    variants[`expiring-${n}`] = measure(`expiring-${n}`, () =>
      coins.expiring({ before, limit: PAGE, cursor }),
    );
    variants[`feed-${n}`] = measure(`feed-${n}`, () => coins.feed({ after, limit: PAGE }));
  }
  const results = await rounds(config, report, variants);
  const smallest = sizes[0] as number;
  const largest = sizes[sizes.length - 1] as number;
  for (const op of ["expiring", "feed"] as const) {
    const base = results[`${op}-${smallest}`] as number[];
    for (const n of sizes) {
      const values = results[`${op}-${n}`] as number[];
      const ratio = spread(ratios(values, base));
      report.add({
        section: `pages ${target.label}`,
        name: `${op} page of ${PAGE}, ${n.toLocaleString("en-US")} accounts`,
        unit: "µs/op",
        value: spread(values),
        ratio: { label: `÷ ${smallest.toLocaleString("en-US")} accounts`, value: ratio },
        latency: percentiles(latencies.get(`${op}-${n}`) ?? []),
        ...(n === largest
          ? {
              target: {
                text: `${largest.toLocaleString("en-US")} accounts ≤ ${PAGE_TARGET}× ${smallest.toLocaleString("en-US")}`,
                met: ratio.median <= PAGE_TARGET,
              },
            }
          : {}),
      });
    }
  }
}
