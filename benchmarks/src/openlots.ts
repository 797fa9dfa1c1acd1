/**
 * Open lots: what `redeem` and `balance` cost, through the engine, on
 * accounts holding 1, 10, 100 and 1,000 open lots, per store. Baseline: the
 * same operation on accounts with one open lot, in the same rounds; the
 * target is that 1,000 open lots cost at most twice one lot. (Smoke mode
 * stops at 100 lots: funding 1,000 lots through the engine takes seconds.)
 *
 * Each account is funded by real allocations, so every lot has its request
 * record. Every third lot never expires; each of the others expires at an
 * instant of its own, in an order unrelated to the lots' ids, so FIFO has
 * real ordering work and no two lots of an account tie on expiry (as lots
 * earned over months would not). Each lot holds billions of coins and every
 * measured redemption takes one, so no lot closes and the count stays what
 * the row says (checked before and after the measurement, on every account).
 */
import type { EventInput } from "@coinage/core";
import { openLots } from "./accounts.js";
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

/** The open lots per account of the rows; the last one carries the target. */
export function lotCounts(config: Config): number[] {
  return config.smoke ? [1, 10, 100] : [1, 10, 100, 1000];
}

/** Currency per funding allocation: 4 billion coins at the benchmark's coin value. */
const LOT_AMOUNT = "1000000000";
const HOUR = 3_600_000;

/** The event lot `k` of an account is allocated from. */
function lotEvent(k: number): string {
  return k % 3 === 0 ? "LOTS-NEVER" : `LOTS-${k}`;
}

/**
 * The funding events of accounts with up to `lots` lots, each paying 100 % of
 * the amount: one that never expires, and one per other lot number expiring
 * at its own instant, a year or so after `at` (hours apart, shuffled).
 */
export function lotEvents(lots: number, at: number): EventInput[] {
  const reward = { kind: "percentage", percent: "100" } as const;
  const events: EventInput[] = [
    { id: "LOTS-NEVER", name: "Open-lots funding", reward, expiry: "never" },
  ];
  for (let k = 0; k < lots; k++) {
    if (lotEvent(k) === "LOTS-NEVER") continue;
    const expiresAt = at + 400 * 24 * HOUR + ((k * 7919) % lots) * HOUR;
    events.push({
      id: lotEvent(k),
      name: `Open-lots funding ${k}`,
      reward,
      expiry: { at: new Date(expiresAt).toISOString() },
    });
  }
  return events;
}

/** Give `userId` `count` open lots, in `allocateMany` calls of up to 1,000 items. */
async function fundLots(subject: Subject, userId: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const items = Array.from({ length: Math.min(1000, count - start) }, (_, j) => {
      const k = start + j;
      return {
        userId,
        event: lotEvent(k),
        requestId: `${subject.ids}-lots-${userId}-${k}`,
        amount: LOT_AMOUNT,
      };
    });
    await subject.tracker.allocateMany(subject.coins, items);
  }
}

/** Every account holds exactly the open lots its row is about: the problems, if any. */
async function wrongLotCounts(
  subject: Subject,
  accounts: ReadonlyMap<number, readonly string[]>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [count, users] of accounts) {
    for (const userId of users) {
      const open = (await openLots(subject.store, subject.coins.program.id, userId)).length;
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
  for (const event of lotEvents(Math.max(...counts), Date.now()))
    await subject.coins.events.create(event);
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
