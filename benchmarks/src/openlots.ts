/**
 * Open lots: what `redeem` and `balance` cost, through the engine, on
 * accounts holding 1, 10, 100 and 1,000 open lots, per store. Baseline: the
 * same operation on accounts with one open lot, in the same rounds; the
 * target is that 1,000 open lots cost at most twice one lot. (Smoke mode
 * stops at 100 lots: funding 1,000 lots through the engine takes seconds.)
 *
 * Each account is funded by allocations from seven events with different
 * expiries (every third never expires), so FIFO has real ordering work; each
 * lot holds billions of coins, and every measured redemption takes one coin,
 * so no lot closes and the count stays what the row says (checked after the
 * run, on every account).
 */
import type { EventInput } from "@coinage/core";
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
import type { Subject } from "./subject.js";

/** 1,000 open lots may cost at most this many times one lot. */
export const OPEN_LOTS_TARGET = 2;

export function lotCounts(config: Config): number[] {
  return config.smoke ? [1, 10, 100] : [1, 10, 100, 1000];
}

const LOT_EVENTS = 7;
/** Currency per funding allocation: 4 billion coins at the benchmark's coin value. */
const LOT_AMOUNT = "1000000000";

/** The funding events: 100 % of the amount, expiries from never to about two years. */
export function lotEvents(): EventInput[] {
  return Array.from({ length: LOT_EVENTS }, (_, k) => ({
    id: `LOTS-${k}`,
    name: `Open-lots funding ${k}`,
    reward: { kind: "percentage", percent: "100" },
    expiry: k % 3 === 0 ? "never" : { days: 300 + 61 * k },
  }));
}

/** Give `userId` `count` open lots, in `allocateMany` calls of up to 1,000 items. */
async function fundLots(subject: Subject, userId: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const items = Array.from({ length: Math.min(1000, count - start) }, (_, j) => {
      const k = start + j;
      return {
        userId,
        event: `LOTS-${k % LOT_EVENTS}`,
        requestId: `${subject.ids}-lots-${userId}-${k}`,
        amount: LOT_AMOUNT,
      };
    });
    await subject.tracker.allocateMany(subject.coins, items);
  }
}

async function openLotCount(subject: Subject, userId: string): Promise<number> {
  const snapshot = await subject.store.loadAccount(subject.coins.program.id, userId, {
    usageKeys: [],
    requestIds: [],
    lotIds: [],
  });
  return snapshot.lots.filter((lot) => BigInt(lot.remaining) > 0n).length;
}

/** Every account holds exactly the open lots its row is about: the problems, if any. */
async function wrongLotCounts(
  subject: Subject,
  accounts: ReadonlyMap<number, readonly string[]>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [count, users] of accounts) {
    for (const userId of users) {
      const open = await openLotCount(subject, userId);
      if (open !== count) problems.push(`${userId} holds ${open} open lots, not ${count}`);
    }
  }
  return problems;
}

export async function benchOpenLots(
  subject: Subject,
  config: Config,
  report: Report,
): Promise<void> {
  heading(`open lots (${subject.label}): redeem and balance by open lots`);
  const counts = lotCounts(config);
  const perCount = config.smoke ? 1 : 4;
  for (const event of lotEvents()) await subject.coins.events.create(event);
  const accounts = new Map<number, string[]>();
  const t0 = Date.now();
  for (const count of counts) {
    const users = Array.from({ length: perCount }, (_, k) => `lots${count}-${k}`);
    accounts.set(count, users);
    for (const userId of users) await fundLots(subject, userId, count);
  }
  const funded = await wrongLotCounts(subject, accounts);
  report.check(
    `open lots ${subject.label}: every account holds the open lots of its row`,
    funded.length === 0,
    funded.length === 0
      ? `${perCount} accounts per count, funded in ${((Date.now() - t0) / 1000).toFixed(1)} s`
      : funded.slice(0, 3).join("; "),
  );

  const latencies = new Map<string, number[]>();
  let seq = 0;
  const variants: Record<string, (w: Window) => Promise<number>> = {};
  for (const count of counts) {
    const users = accounts.get(count) as string[];
    const measure =
      (key: string, op: (userId: string) => Promise<unknown>) => async (w: Window) => {
        const run = await runConcurrent(w.ioMs, 1, (_w, i) =>
          op(users[i % users.length] as string),
        );
        if (!w.warmup) {
          const kept = latencies.get(key) ?? [];
          for (const l of run.latencies) kept.push(l);
          latencies.set(key, kept);
        }
        return percentiles(run.latencies).p50 * 1000;
      };
    variants[`redeem-${count}`] = measure(`redeem-${count}`, (userId) =>
      subject.tracker.redeem(subject.coins, {
        userId,
        coins: "1",
        requestId: `${subject.ids}-lotsr-${seq++}`,
      }),
    );
    variants[`balance-${count}`] = measure(`balance-${count}`, (userId) =>
      subject.coins.balance(userId),
    );
  }
  const results = await rounds(config, report, variants);

  const largest = counts[counts.length - 1] as number;
  for (const op of ["redeem", "balance"] as const) {
    const base = results[`${op}-1`] as number[];
    for (const count of counts) {
      const values = results[`${op}-${count}`] as number[];
      const ratio = spread(ratios(values, base));
      report.add({
        section: `open lots ${subject.label}`,
        name: `${op} p50, ${count.toLocaleString("en-US")} open lot${count === 1 ? "" : "s"}`,
        unit: "µs/op",
        value: spread(values),
        ratio: { label: "÷ 1 lot", value: ratio },
        latency: percentiles(latencies.get(`${op}-${count}`) ?? []),
        ...(count === largest
          ? {
              target: {
                text: `${largest.toLocaleString("en-US")} lots ≤ ${OPEN_LOTS_TARGET}× 1 lot`,
                met: ratio.median <= OPEN_LOTS_TARGET,
              },
            }
          : {}),
      });
    }
  }
  const after = await wrongLotCounts(subject, accounts);
  report.check(
    `open lots ${subject.label}: the measured redemptions closed no lot`,
    after.length === 0,
    after.length === 0 ? `${seq} redemptions of one coin` : after.slice(0, 3).join("; "),
  );
}
