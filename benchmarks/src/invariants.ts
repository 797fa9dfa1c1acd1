/**
 * After every run: the ledger the benchmarks left behind must be right, so a
 * fast wrong result cannot pass. The tracker records every write the harness
 * saw succeed (request id, account, signed coins); the checks then read each
 * touched account back through the store and verify
 *  - conservation: the history's signed coins, summed in order, equal every
 *    entry's `balanceAfter` and, at the end, both the booked lots (remaining
 *    minus debt) and the balance (available + pending − debt; nothing expires
 *    during a run);
 *  - no overspend: no entry leaves the lots below zero, no lot holds less
 *    than 0 or more than it was booked with, `available` is never negative;
 *  - each request id once: every id the harness saw succeed appears in
 *    exactly one entry, of the account and coins it was booked with, and no
 *    entry carries an id the harness did not send (seeded history entries
 *    carry none, and must sum to what was seeded); the stored request
 *    records of a sample agree.
 */
import type {
  AdjustInput,
  AllocateInput,
  BulkItemResult,
  Coinage,
  Entry,
  Lot,
  RedeemInput,
  Store,
} from "@coinage/core";
import { everyOpenLot } from "./accounts.js";
import type { Report } from "./harness.js";

/** The reason on history entries the growth benchmark seeds in batches (they carry no request id). */
export const SEEDED_REASON = "seeded history";

interface Booking {
  readonly userId: string;
  /** Signed whole coins. */
  readonly coins: bigint;
}

/** Every successful write of one store's benchmarks. */
export class Tracker {
  readonly bookings = new Map<string, Booking>();
  readonly accounts = new Set<string>();
  /** Signed coins of seeded entries, per account. */
  readonly seeded = new Map<string, bigint>();
  /** Writes that answered with something unexpected (a replay of a fresh id, a wrong user). */
  readonly anomalies: string[] = [];

  book(requestId: string, userId: string, coins: string | bigint): void {
    if (this.bookings.has(requestId)) {
      this.anomalies.push(`request id ${requestId} booked twice by the harness`);
      return;
    }
    this.bookings.set(requestId, {
      userId,
      coins: typeof coins === "bigint" ? coins : BigInt(coins),
    });
    this.accounts.add(userId);
  }

  seed(userId: string, coins: bigint): void {
    this.seeded.set(userId, (this.seeded.get(userId) ?? 0n) + coins);
    this.accounts.add(userId);
  }

  async allocate(coins: Coinage, input: AllocateInput): Promise<void> {
    const result = await coins.allocate(input);
    if (result.requestId !== input.requestId || result.userId !== input.userId) {
      this.anomalies.push(
        `allocate ${input.requestId} answered for ${result.requestId}/${result.userId}`,
      );
    }
    this.book(input.requestId, input.userId, result.coins);
  }

  async redeem(coins: Coinage, input: RedeemInput): Promise<void> {
    const result = await coins.redeem(input);
    if (result.requestId !== input.requestId || result.userId !== input.userId) {
      this.anomalies.push(
        `redeem ${input.requestId} answered for ${result.requestId}/${result.userId}`,
      );
    }
    this.book(input.requestId, input.userId, -BigInt(result.coins));
  }

  async adjust(coins: Coinage, input: AdjustInput): Promise<void> {
    const result = await coins.adjust(input);
    this.book(input.requestId, input.userId, result.coins);
  }

  async allocateMany(coins: Coinage, inputs: readonly AllocateInput[]): Promise<BulkItemResult[]> {
    const results = await coins.allocateMany(inputs);
    results.forEach((item, i) => {
      const input = inputs[i] as AllocateInput;
      if (!item.ok) {
        this.anomalies.push(
          `allocateMany item ${input.requestId} failed: ${item.error.code} ${item.error.message}`,
        );
        return;
      }
      if (item.replayed)
        this.anomalies.push(`allocateMany item ${input.requestId} replayed on first use`);
      this.book(input.requestId, input.userId, item.result.coins);
    });
    return results;
  }
}

interface AccountFacts {
  readonly entries: Entry[];
  readonly lots: readonly Lot[];
  readonly debt: bigint;
  readonly available: bigint;
  readonly pending: bigint;
  readonly balanceDebt: bigint;
}

const PAGE = 1000;

async function readAccount(
  store: Store,
  coins: Coinage,
  programId: string,
  userId: string,
): Promise<AccountFacts> {
  const entries: Entry[] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await store.history(
      programId,
      userId,
      beforeSeq === undefined ? { limit: PAGE } : { limit: PAGE, beforeSeq },
    );
    entries.push(...page);
    if (page.length < PAGE) break;
    beforeSeq = (page[page.length - 1] as Entry).seq;
  }
  entries.reverse();
  const snapshot = await store.loadAccount(programId, userId, everyOpenLot(Date.now()));
  const balance = await coins.balance(userId);
  return {
    entries,
    lots: snapshot.lots,
    debt: BigInt(snapshot.debt),
    available: BigInt(balance.available),
    pending: BigInt(balance.pending),
    balanceDebt: BigInt(balance.debt),
  };
}

/** Read back every account the tracker touched and print PASS/FAIL per invariant. */
export async function checkInvariants(
  label: string,
  store: Store,
  coins: Coinage,
  tracker: Tracker,
  report: Report,
  options: { readonly concurrency?: number; readonly requestSample?: number } = {},
): Promise<void> {
  const programId = coins.program.id;
  const conservation: string[] = [];
  const overspend: string[] = [];
  const once: string[] = [...tracker.anomalies];
  const seen = new Map<string, string>();
  let entryCount = 0;

  const accounts = [...tracker.accounts];
  let next = 0;
  const worker = async () => {
    while (next < accounts.length) {
      const userId = accounts[next++] as string;
      const facts = await readAccount(store, coins, programId, userId);
      entryCount += facts.entries.length;
      let running = 0n;
      let lastSeq = 0;
      let seeded = 0n;
      for (const entry of facts.entries) {
        if (entry.seq <= lastSeq) conservation.push(`${userId}: seq ${entry.seq} after ${lastSeq}`);
        lastSeq = entry.seq;
        running += BigInt(entry.coins);
        if (running !== BigInt(entry.balanceAfter)) {
          conservation.push(
            `${userId}: after seq ${entry.seq} the history sums to ${running}, the entry says ${entry.balanceAfter}`,
          );
        }
        if (BigInt(entry.balanceAfter) + BigInt(entry.debtAfter) < 0n) {
          overspend.push(
            `${userId}: seq ${entry.seq} leaves lots at ${entry.balanceAfter} + debt ${entry.debtAfter}`,
          );
        }
        if (entry.requestId !== null) {
          const other = seen.get(entry.requestId);
          if (other !== undefined) {
            once.push(
              `${entry.requestId} appears in two entries (${other} and ${userId}#${entry.seq})`,
            );
          } else seen.set(entry.requestId, `${userId}#${entry.seq}`);
          const booking = tracker.bookings.get(entry.requestId);
          if (booking === undefined)
            once.push(`${userId}: entry ${entry.seq} carries unknown id ${entry.requestId}`);
          else if (booking.userId !== userId || booking.coins !== BigInt(entry.coins)) {
            once.push(
              `${entry.requestId}: booked ${booking.coins} on ${booking.userId}, history has ${entry.coins} on ${userId}`,
            );
          }
        } else if (entry.reason === SEEDED_REASON) seeded += BigInt(entry.coins);
        else once.push(`${userId}: entry ${entry.seq} has no request id`);
      }
      if (seeded !== (tracker.seeded.get(userId) ?? 0n)) {
        once.push(
          `${userId}: seeded entries sum to ${seeded}, ${tracker.seeded.get(userId) ?? 0n} were seeded`,
        );
      }
      let lotsTotal = 0n;
      for (const lot of facts.lots) {
        const remaining = BigInt(lot.remaining);
        lotsTotal += remaining;
        if (remaining < 0n || remaining > BigInt(lot.coins)) {
          overspend.push(`${userId}: lot ${lot.id} holds ${lot.remaining} of ${lot.coins}`);
        }
      }
      if (running !== lotsTotal - facts.debt) {
        conservation.push(
          `${userId}: history sums to ${running}, lots − debt = ${lotsTotal - facts.debt}`,
        );
      }
      if (running !== facts.available + facts.pending - facts.balanceDebt) {
        conservation.push(
          `${userId}: history sums to ${running}, balance says ${facts.available} + ${facts.pending} − ${facts.balanceDebt}`,
        );
      }
      if (facts.available < 0n) overspend.push(`${userId}: available ${facts.available}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  for (const [requestId, booking] of tracker.bookings) {
    if (!seen.has(requestId) && booking.coins !== 0n)
      once.push(`${requestId} succeeded but has no entry`);
  }

  // The idempotency records of a sample agree with what was booked.
  const sample = [...tracker.bookings].filter(
    (_, i, all) => i % Math.max(1, Math.floor(all.length / (options.requestSample ?? 200))) === 0,
  );
  for (const [requestId, booking] of sample) {
    const record = await store.findRequest(programId, requestId);
    const abs = booking.coins < 0n ? -booking.coins : booking.coins;
    if (record === null) once.push(`${requestId}: no request record`);
    else if (record.userId !== booking.userId || BigInt(record.coins) !== abs) {
      once.push(`${requestId}: request record says ${record.coins} on ${record.userId}`);
    }
  }

  const summary = `${accounts.length} accounts, ${entryCount} entries, ${tracker.bookings.size} requests`;
  const show = (problems: string[]) =>
    problems.length === 0
      ? summary
      : `${problems.length} problems, first: ${problems.slice(0, 3).join("; ")}`;
  report.check(
    `${label}: conservation (history = balance per account)`,
    conservation.length === 0,
    show(conservation),
  );
  report.check(`${label}: no overspend`, overspend.length === 0, show(overspend));
  report.check(`${label}: each request id once`, once.length === 0, show(once));
}
