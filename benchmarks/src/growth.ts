/**
 * Cost growth: `balance` and `redeem` latency on accounts with 10, 1,000 and
 * 100,000 history entries and one open lot, per store. The store contract
 * says cost grows with open lots, never with history, so the ratio of the
 * largest to the smallest must stay flat (target ≤ 1.2).
 *
 * Each account is one funded lot followed by redemptions of one coin, each
 * with its request id and request record, as real accounts carry them. Up to
 * `realSeed` of them (and at least one) go through the engine's `redeem`;
 * the rest are built here as the engine builds a redemption (the entry, the
 * lot update, the request record with its fingerprint and stored result)
 * and sent through the store's `executeMany`, 1,000 commands per call, so a
 * 100k history takes seconds rather than minutes on a networked store. The
 * last engine redemption of each account is the pattern: a check compares
 * every seeded record's shape and fingerprint with it.
 *
 * Measured redemptions add to the history; each size gets enough accounts
 * that no account grows by more than 10 % (or by one entry for the smallest
 * size) while it is measured. To keep to that over windows of 2 s, the
 * redemptions of a round are paced: spread evenly over the window.
 */
import {
  type AccountCommand,
  coinsToCurrency,
  type Entry,
  fingerprint,
  type Lot,
  type Program,
  type RedemptionResult,
  type RequestRecord,
} from "@coinage/core";
import { everyOpenLot, totalsOf } from "./accounts.js";
import {
  type Config,
  heading,
  percentiles,
  type Report,
  ratios,
  rounds,
  runConcurrent,
  runPaced,
  spread,
  type Window,
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
 * lot: `count` entries under one version, without request ids (marked by
 * their reason). Not what the engine writes (it books one entry per command,
 * with its request record): the Postgres floor's capture accounts use it to
 * move the account's version and next entry seq apart.
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
    reads: everyOpenLot(at),
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
      const spent = { ...lot, remaining: remaining.toString() };
      return {
        change: {
          lots: [spent],
          totals: totalsOf(replaced(snapshot.lots, spent), at),
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

/** `lots` with the lot of `changed`'s id replaced by it. */
function replaced(lots: readonly Lot[], changed: Lot): Lot[] {
  return lots.map((lot) => (lot.id === changed.id ? changed : lot));
}

/** The fingerprint the engine gives a redemption of `coins` without a reason. */
export function redemptionFingerprint(userId: string, coins: string): string {
  return fingerprint({ op: "redeem", userId, coins, reason: null });
}

/**
 * A one-coin redemption from the account's fullest lot, written as the engine
 * writes one: the entry, the lot, and the request record (claimed through
 * `request`), its stored result patterned on `pattern` (a real redemption's
 * record on the same account).
 */
export function seededRedemption(
  program: Program,
  userId: string,
  requestId: string,
  pattern: RequestRecord,
): AccountCommand<number> {
  const at = Date.now();
  const print = redemptionFingerprint(userId, "1");
  const shown = pattern.result as RedemptionResult;
  return {
    programId: program.id,
    userId,
    request: { requestId, fingerprint: print },
    reads: everyOpenLot(at),
    decide(snapshot) {
      let lot: Lot | undefined;
      let total = 0n;
      for (const l of snapshot.lots) {
        total += BigInt(l.remaining);
        if (lot === undefined || BigInt(l.remaining) > BigInt(lot.remaining)) lot = l;
      }
      if (lot === undefined || BigInt(lot.remaining) < 1n) {
        throw new Error(`seed: account ${userId} has no coin left`);
      }
      const parts = [{ lotId: lot.id, coins: "1" }];
      // One lot that never expires and no debt: what is booked is what is available.
      const balance = (total - 1n - BigInt(snapshot.debt)).toString();
      const entry: Entry = {
        seq: snapshot.nextEntrySeq,
        type: "redeem",
        coins: "-1",
        balanceAfter: balance,
        debtAfter: snapshot.debt,
        requestId,
        lots: parts,
        eventId: null,
        at,
        reason: null,
      };
      const result: RedemptionResult = {
        ...shown,
        requestId,
        lots: parts,
        balance: {
          ...shown.balance,
          available: balance,
          value: coinsToCurrency(balance, program),
          asOf: new Date(at).toISOString(),
        },
      };
      const spent = { ...lot, remaining: (BigInt(lot.remaining) - 1n).toString() };
      return {
        change: {
          lots: [spent],
          totals: totalsOf(replaced(snapshot.lots, spent), at),
          debt: snapshot.debt,
          nextLotId: snapshot.nextLotId,
          nextEntrySeq: snapshot.nextEntrySeq + 1,
          entries: [entry],
          usage: {},
          requests: [
            {
              ...pattern,
              requestId,
              fingerprint: print,
              at,
              result,
              parts,
            },
          ],
        },
        result: 1,
      };
    },
  };
}

/** The field names of a record and of its result and balance: what "the same shape" compares. */
function shapeOf(record: RequestRecord): string {
  const result = (record.result ?? {}) as Record<string, unknown>;
  const balance = (result.balance ?? {}) as Record<string, unknown>;
  return JSON.stringify([
    Object.keys(record).sort(),
    Object.keys(result).sort(),
    Object.keys(balance).sort(),
  ]);
}

/** What seeding found about its records: a problem per account at most. */
interface SeedAudit {
  accounts: number;
  seeded: number;
  problems: string[];
}

/** Give `userId` a funded lot and `size` history entries in all, each redemption with its record. */
async function seedAccount(
  subject: Subject,
  userId: string,
  size: number,
  options: GrowthOptions,
  audit: SeedAudit,
): Promise<void> {
  await fund(subject, [userId]);
  let written = 1;
  let lastReal = "";
  while (written < size && (written < options.realSeed || lastReal === "")) {
    lastReal = `${subject.ids}-seedr-${userId}-${written}`;
    await subject.tracker.redeem(subject.coins, { userId, coins: "1", requestId: lastReal });
    written++;
  }
  if (written >= size) return;
  const program = subject.coins.program;
  const pattern = await subject.store.findRequest(program.id, lastReal);
  if (pattern === null) throw new Error(`seed: no request record for ${lastReal}`);
  if (pattern.fingerprint !== redemptionFingerprint(userId, "1")) {
    audit.problems.push(
      `${userId}: the engine's redemption fingerprint is not the one seeded records get`,
    );
  }
  audit.accounts++;
  const store = subject.store;
  while (written < size) {
    const count = Math.min(SEED_BATCH, size - written);
    const ids = Array.from(
      { length: count },
      (_, k) => `${subject.ids}-seed-${userId}-${written + k}`,
    );
    const commands = ids.map((id) => seededRedemption(program, userId, id, pattern));
    const outcomes =
      store.executeMany === undefined
        ? await Promise.all(commands.map((command) => store.execute(command)))
        : await store.executeMany(commands);
    outcomes.forEach((outcome, k) => {
      if (outcome.status !== "committed") throw new Error(`seed: ${outcome.status}`);
      subject.tracker.book(ids[k] as string, userId, -1n);
    });
    const sample = await store.findRequest(program.id, ids[ids.length - 1] as string);
    if (sample === null || shapeOf(sample) !== shapeOf(pattern)) {
      audit.problems.push(
        `${userId}: a seeded request record ${sample === null ? "is missing" : "differs in shape from the engine's"}`,
      );
    }
    audit.seeded += count;
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
  const audit: SeedAudit = { accounts: 0, seeded: 0, problems: [] };
  const t0 = Date.now();
  for (const size of sizes) {
    const count = Math.ceil(totalRedeems / Math.max(1, Math.floor(size / 10)));
    const users = Array.from({ length: count }, (_, i) => `g${size}-${i}`);
    accounts.set(size, users);
    let next = 0;
    await Promise.all(
      Array.from({ length: options.parallel }, async () => {
        while (next < users.length)
          await seedAccount(subject, users[next++] as string, size, options, audit);
      }),
    );
  }
  console.log(
    `  seeded ${sizes.join(" / ")} entry accounts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  report.check(
    `growth ${subject.label}: seeded redemptions carry request records like the engine's`,
    audit.problems.length === 0,
    audit.problems.length === 0
      ? audit.seeded === 0
        ? "every history entry went through the engine"
        : `${audit.seeded} seeded on ${audit.accounts} accounts, records shaped and fingerprinted as the engine's`
      : audit.problems.slice(0, 3).join("; "),
  );

  const variants: Record<string, (w: Window) => Promise<number>> = {};
  const cursor = new Map<number, number>(sizes.map((s) => [s, 0]));
  for (const size of sizes) {
    const users = accounts.get(size) as string[];
    variants[`balance-${size}`] = async (w) => {
      const run = await runConcurrent(w.ioMs, 1, (_w, i) =>
        subject.coins.balance(users[i % users.length] as string),
      );
      return percentiles(run.latencies).p50 * 1000;
    };
    variants[`redeem-${size}`] = async (w) => {
      const run = await runPaced(w.ioMs, perRound, () => {
        const k = (cursor.get(size) as number) + 1;
        cursor.set(size, k);
        return subject.tracker.redeem(subject.coins, {
          userId: users[k % users.length] as string,
          coins: "1",
          requestId: `${subject.ids}-gr-${size}-${k}`,
        });
      });
      return percentiles(run.latencies).p50 * 1000;
    };
  }
  const results = await rounds(config, report, variants);
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
