/**
 * Bulk: one `allocateMany` of 1,000 items against 1,000 single `allocate`
 * calls (awaited one after another) with the same shape of items, per store.
 * The figure is items/s; the ratio is bulk ÷ single, round by round.
 */
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

  const results = await rounds(config.rounds, {
    bulk: async () => {
      const inputs = items();
      const t0 = now();
      await subject.tracker.allocateMany(subject.coins, inputs);
      return (inputs.length / (now() - t0)) * 1000;
    },
    single: async () => {
      const inputs = items();
      const t0 = now();
      for (const input of inputs) await subject.tracker.allocate(subject.coins, input);
      return (inputs.length / (now() - t0)) * 1000;
    },
  });
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
