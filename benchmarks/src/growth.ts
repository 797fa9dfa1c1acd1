/**
 * Cost growth: `balance` and `redeem` latency on accounts with 10, 1,000 and
 * 100,000 history entries and one open lot, per store. The store contract
 * says cost grows with open lots, never with history, so the ratio of the
 * largest to the smallest must stay flat (target ≤ 1.2).
 *
 * Each account is one funded lot followed by redemptions of one coin. Up to
 * `realSeed` of them go through the engine's `redeem`; the rest are booked
 * through the store's own `execute` in batches of 1,000 one-coin
 * redemption entries per command (the entry and lot rows a redeem writes,
 * without a request id or request record, marked by their reason), so a
 * 100k history takes seconds rather than minutes on a networked store.
 *
 * Measured redemptions add to the history; each size gets enough accounts
 * that no account grows by more than 10 % (or by one entry for the smallest
 * size) while it is measured.
 */
import type { AccountCommand, Entry, Lot } from "@coinage/core";
import {
  type Config,
  heading,
  percentiles,
  type Report,
  ratios,
  rounds,
  runConcurrent,
  spread,
} from "./harness.js";
import { SEEDED_REASON } from "./invariants.js";
import { fund, type Subject } from "./subject.js";

export interface GrowthOptions {
  /** History entries booked through the engine per account; the rest are seeded in batches. */
  readonly realSeed: number;
  /** Concurrent seeding workers (across accounts). */
  readonly parallel: number;
  /** Redemptions measured per round per size. */
  readonly redeemsPerRound: number;
}

const SEED_BATCH = 1000;

export function historySizes(config: Config): number[] {
  return config.smoke ? [10, 100, 1000] : [10, 1000, 100_000];
}

/**
 * One command booking `count` one-coin redemptions from the account's fullest
 * lot: `count` entries under one version (what the store's own `execute`
 * accepts; the engine never books more than one entry per command).
 */
export function seedCommand(
  programId: string,
  userId: string,
  count: number,
): AccountCommand<number> {
  const at = Date.now();
  return {
    programId,
    userId,
    reads: { usageKeys: [], requestIds: [], lotIds: [] },
    decide(snapshot) {
      let lot: Lot | undefined;
      let total = 0n;
      for (const l of snapshot.lots) {
        total += BigInt(l.remaining);
        if (lot === undefined || BigInt(l.remaining) > BigInt(lot.remaining)) lot = l;
      }
      if (lot === undefined || BigInt(lot.remaining) < BigInt(count)) {
        throw new Error(`seed: account ${userId} has no lot with ${count} coins`);
      }
      let remaining = BigInt(lot.remaining);
      let balance = total - BigInt(snapshot.debt);
      const entries: Entry[] = [];
      const parts = [{ lotId: lot.id, coins: "1" }];
      for (let k = 0; k < count; k++) {
        remaining -= 1n;
        balance -= 1n;
        entries.push({
          seq: snapshot.nextEntrySeq + k,
          type: "redeem",
          coins: "-1",
          balanceAfter: balance.toString(),
          debtAfter: snapshot.debt,
          requestId: null,
          lots: parts,
          eventId: null,
          at,
          reason: SEEDED_REASON,
        });
      }
      return {
        change: {
          lots: [{ ...lot, remaining: remaining.toString() }],
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq + count,
          entries,
          usage: {},
          requests: [],
        },
        result: count,
      };
    },
  };
}

/** Give `userId` a funded lot and `size` history entries in all. */
async function seedAccount(
  subject: Subject,
  userId: string,
  size: number,
  options: GrowthOptions,
): Promise<void> {
  await fund(subject, [userId]);
  let written = 1;
  while (written < size && written < options.realSeed) {
    await subject.tracker.redeem(subject.coins, {
      userId,
      coins: "1",
      requestId: `${subject.ids}-seedr-${userId}-${written}`,
    });
    written++;
  }
  while (written < size) {
    const count = Math.min(SEED_BATCH, size - written);
    const outcome = await subject.store.execute(
      seedCommand(subject.coins.program.id, userId, count),
    );
    if (outcome.status !== "committed") throw new Error(`seed: ${outcome.status}`);
    subject.tracker.seed(userId, -BigInt(count));
    written += count;
  }
}

export async function benchGrowth(
  subject: Subject,
  config: Config,
  report: Report,
  options: GrowthOptions,
): Promise<void> {
  heading(`cost growth (${subject.label}): balance and redeem by history size`);
  const sizes = historySizes(config);
  const perRound = options.redeemsPerRound;
  const totalRedeems = perRound * (config.rounds + 1);
  const accounts = new Map<number, string[]>();
  const t0 = Date.now();
  for (const size of sizes) {
    const count = Math.ceil(totalRedeems / Math.max(1, Math.floor(size / 10)));
    const users = Array.from({ length: count }, (_, i) => `g${size}-${i}`);
    accounts.set(size, users);
    let next = 0;
    await Promise.all(
      Array.from({ length: options.parallel }, async () => {
        while (next < users.length)
          await seedAccount(subject, users[next++] as string, size, options);
      }),
    );
  }
  console.log(
    `  seeded ${sizes.join(" / ")} entry accounts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const balanceMs = config.smoke ? config.ioMs : Math.min(config.ioMs, 300);
  const variants: Record<string, () => Promise<number>> = {};
  const cursor = new Map<number, number>(sizes.map((s) => [s, 0]));
  const redeemCount = new Map<number, number>(sizes.map((s) => [s, 0]));
  for (const size of sizes) {
    const users = accounts.get(size) as string[];
    variants[`balance-${size}`] = async () => {
      const run = await runConcurrent(balanceMs, 1, (_w, i) =>
        subject.coins.balance(users[i % users.length] as string),
      );
      return percentiles(run.latencies).p50 * 1000;
    };
    variants[`redeem-${size}`] = async () => {
      const run = await runConcurrent(
        60_000,
        1,
        () => {
          const k = (cursor.get(size) as number) + 1;
          cursor.set(size, k);
          redeemCount.set(size, (redeemCount.get(size) as number) + 1);
          return subject.tracker.redeem(subject.coins, {
            userId: users[k % users.length] as string,
            coins: "1",
            requestId: `${subject.ids}-gr-${size}-${k}`,
          });
        },
        perRound,
      );
      return percentiles(run.latencies).p50 * 1000;
    };
  }
  const results = await rounds(config.rounds, variants);
  const small = sizes[0] as number;
  const large = sizes[sizes.length - 1] as number;
  for (const op of ["balance", "redeem"] as const) {
    const base = results[`${op}-${small}`] as number[];
    for (const size of sizes) {
      const values = results[`${op}-${size}`] as number[];
      const ratio = spread(ratios(values, base));
      report.add({
        section: `growth ${subject.label}`,
        name: `${op} p50, ${size.toLocaleString("en-US")} entries`,
        unit: "µs/op",
        value: spread(values),
        ratio: { label: `÷ ${small} entries`, value: ratio },
        ...(size === large
          ? {
              target: {
                text: `${large.toLocaleString("en-US")}/${small} ≤ 1.2`,
                met: ratio.median <= 1.2,
              },
            }
          : {}),
      });
    }
  }
}
