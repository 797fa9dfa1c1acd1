/**
 * Bulk: `allocateMany` of 1,000 items against single `allocate` calls with
 * the same shape of items, per store, in items/s, in two ways:
 *  - sequential: one call awaited after another (the target: bulk ≥ 10×);
 *  - concurrent: 16 callers at once, so the singles share commits and round
 *    trips as well (on Postgres, group commit shares the WAL flush): what is
 *    left of the ratio is what batching saves beyond waiting less.
 * Every variant draws its accounts from one shared sequence over a pool of
 * accounts (the items of one `allocateMany` are distinct accounts), so the
 * accounts all variants write to hold the same number of lots at any time.
 * Each measured window repeats its calls until the window is over.
 *
 * A check confirms that every `allocateMany` reached the store as one
 * `executeMany` of all its items (the engine would otherwise run one
 * `execute` per item).
 */
import type { AccountCommand, AllocateInput, BatchOutcome, Store } from "@coinage/core";
import { amounts } from "./fixtures.js";
import {
  type Config,
  heading,
  now,
  type Report,
  ratios,
  rounds,
  runConcurrent,
  runSerial,
  spread,
} from "./harness.js";
import type { Subject } from "./subject.js";

/** allocateMany must reach this many times the items/s of sequential single calls. */
export const BULK_TARGET = 10;
/** Callers of the concurrent single-call variant. */
export const BULK_CONCURRENCY = 16;

export async function benchBulk(subject: Subject, config: Config, report: Report): Promise<void> {
  heading(`bulk (${subject.label}): allocateMany vs single allocate`);
  const size = config.smoke ? 50 : 1000;
  const pool = config.smoke ? 1000 : 20_000;
  const values = amounts(size, 11);
  let next = 0;
  const item = (): AllocateInput => {
    const k = next++;
    return {
      userId: `bulk-${k % pool}`,
      event: "SHOP",
      requestId: `${subject.ids}-bulk-${k}`,
      amount: values[k % size] as string,
    };
  };

  let bulkCalls = 0;
  const batches = countBatches(subject.store);
  let results: Record<"bulk" | "sequential" | "concurrent", number[]>;
  try {
    results = await rounds(config, report, {
      bulk: async (w) => {
        let items = 0;
        const t0 = now();
        const stop = t0 + w.ioMs;
        do {
          const inputs = Array.from({ length: size }, item);
          await subject.tracker.allocateMany(subject.coins, inputs);
          bulkCalls++;
          items += inputs.length;
        } while (now() < stop);
        return (items / (now() - t0)) * 1000;
      },
      sequential: async (w) =>
        (await runSerial(w.ioMs, () => subject.tracker.allocate(subject.coins, item()))).opsPerSec,
      concurrent: async (w) =>
        (
          await runConcurrent(w.ioMs, BULK_CONCURRENCY, () =>
            subject.tracker.allocate(subject.coins, item()),
          )
        ).opsPerSec,
    });
  } finally {
    batches.stop();
  }
  report.check(
    `bulk ${subject.label}: every allocateMany reached the store as one executeMany`,
    batches.sizes.length === bulkCalls && batches.sizes.every((n) => n === size),
    batches.present
      ? `${batches.sizes.length} executeMany calls (${[...new Set(batches.sizes)].join(", ")} commands each) for ${bulkCalls} allocateMany calls of ${size} items`
      : "the store has no executeMany",
  );
  const sequential = spread(ratios(results.bulk, results.sequential));
  const concurrent = spread(ratios(results.bulk, results.concurrent));
  const section = `bulk ${subject.label}`;
  report.add({
    section,
    name: `allocateMany(${size}) items/s`,
    unit: "ops/s",
    value: spread(results.bulk),
    ratio: { label: "÷ sequential single", value: sequential },
    target: { text: `≥ ${BULK_TARGET}× sequential single`, met: sequential.median >= BULK_TARGET },
  });
  report.add({
    section,
    name: `allocateMany(${size}) items/s`,
    unit: "ops/s",
    value: spread(results.bulk),
    ratio: { label: `÷ ${BULK_CONCURRENCY} concurrent single`, value: concurrent },
    note: `informational: single calls by ${BULK_CONCURRENCY} concurrent callers`,
  });
  report.add({
    section,
    name: "allocate items/s, sequential",
    unit: "ops/s",
    value: spread(results.sequential),
  });
  report.add({
    section,
    name: `allocate items/s, ${BULK_CONCURRENCY} concurrent callers`,
    unit: "ops/s",
    value: spread(results.concurrent),
  });
}

/** Counts the store's `executeMany` calls (and their sizes) until `stop`. */
function countBatches(store: Store): { present: boolean; sizes: number[]; stop(): void } {
  const sizes: number[] = [];
  const original = store.executeMany;
  if (original === undefined) return { present: false, sizes, stop: () => undefined };
  const own = Object.hasOwn(store, "executeMany");
  store.executeMany = <T>(commands: readonly AccountCommand<T>[]): Promise<BatchOutcome<T>[]> => {
    sizes.push(commands.length);
    return original.call(store, commands) as Promise<BatchOutcome<T>[]>;
  };
  return {
    present: true,
    sizes,
    stop: () => {
      if (own) store.executeMany = original;
      else Reflect.deleteProperty(store, "executeMany");
    },
  };
}
