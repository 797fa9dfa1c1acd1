/** A store under test: the store, an engine over it in a fresh program, and the write tracker. */
import { type Coinage, createCoinage, type Store } from "@coinage/core";
import { PROGRAM, STORE_EVENT } from "./fixtures.js";
import { Tracker } from "./invariants.js";

export interface Subject {
  readonly label: string;
  readonly store: Store;
  readonly coins: Coinage;
  readonly tracker: Tracker;
  /** Prefix for request ids, unique to the subject. */
  readonly ids: string;
}

/** Credits comfortably above anything a run redeems. */
export const BIG_CREDIT = "1000000000";

export async function makeSubject(label: string, store: Store, runId: string): Promise<Subject> {
  const coins = createCoinage({ store, program: { ...PROGRAM, id: `bench-${runId}-${label}` } });
  await coins.events.create(STORE_EVENT);
  return { label, store, coins, tracker: new Tracker(), ids: `${runId}-${label}` };
}

/** Give each user `lots` lots of `BIG_CREDIT` coins by adjustment, `parallel` calls at a time. */
export async function fund(
  subject: Subject,
  users: readonly string[],
  options: { readonly lots?: number; readonly parallel?: number; readonly expiries?: boolean } = {},
): Promise<void> {
  const lots = options.lots ?? 1;
  const jobs: { userId: string; k: number }[] = [];
  for (const userId of users) for (let k = 0; k < lots; k++) jobs.push({ userId, k });
  let next = 0;
  const year = 365 * 24 * 3600 * 1000;
  const worker = async () => {
    while (next < jobs.length) {
      const { userId, k } = jobs[next++] as { userId: string; k: number };
      await subject.tracker.adjust(subject.coins, {
        userId,
        coins: BIG_CREDIT,
        requestId: `${subject.ids}-fund-${userId}-${k}`,
        reason: "benchmark funding",
        // Mixed expiries (some never) so FIFO ordering has work to do.
        ...(options.expiries && k % 3 !== 0
          ? { expiresAt: new Date(Date.now() + year + ((k * 7919) % 1000) * 60_000).toISOString() }
          : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 1 }, worker));
}
