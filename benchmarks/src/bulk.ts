/**
 * Bulk: one `allocateMany` of 1,000 items against 1,000 single `allocate`
 * calls (awaited one after another) with the same shape of items, per store.
 * The figure is items/s; the ratio is bulk ÷ single, round by round. A check
 * confirms that every `allocateMany` reached the store as one `executeMany`
 * (the engine falls back to one `execute` per item when a store has none).
 */
import type { AccountCommand, BatchOutcome, Store } from "@coinage/core";
import { amounts } from "./fixtures.js";
import { type Config, heading, now, type Report, ratios, rounds, spread } from "./harness.js";
import type { Subject } from "./subject.js";

export async function benchBulk(
  subject: Subject,
  config: Config,
  report: Report,
  target?: { readonly min: number },
): Promise<void> {
  heading(`bulk (${subject.label}): allocateMany vs single allocate`);
  const size = config.smoke ? 50 : 1000;
  const values = amounts(size, 11);
  let batch = 0;
  const items = () => {
    const b = batch++;
    return values.map((amount, i) => ({
      userId: `bulk-${i}`,
      event: "SHOP",
      requestId: `${subject.ids}-bulk-${b}-${i}`,
      amount,
    }));
  };

  let bulkCalls = 0;
  const batches = countBatches(subject.store);
  let results: Record<"bulk" | "single", number[]>;
  try {
    results = await rounds(config.rounds, {
      bulk: async () => {
        const inputs = items();
        const t0 = now();
        await subject.tracker.allocateMany(subject.coins, inputs);
        const ms = now() - t0;
        bulkCalls++;
        return (inputs.length / ms) * 1000;
      },
      single: async () => {
        const inputs = items();
        const t0 = now();
        for (const input of inputs) await subject.tracker.allocate(subject.coins, input);
        return (inputs.length / (now() - t0)) * 1000;
      },
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
  const speedup = spread(ratios(results.bulk, results.single));
  report.add({
    section: `bulk ${subject.label}`,
    name: `allocateMany(${size}) items/s`,
    unit: "ops/s",
    value: spread(results.bulk),
    ratio: { label: "÷ single", value: speedup },
    ...(target === undefined
      ? {}
      : { target: { text: `≥ ${target.min}× single`, met: speedup.median >= target.min } }),
  });
  report.add({
    section: `bulk ${subject.label}`,
    name: `${size} × allocate items/s`,
    unit: "ops/s",
    value: spread(results.single),
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
