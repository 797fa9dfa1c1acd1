/**
 * Redemption planning: the cost of redeeming one coin from an account with
 * 1, 10, 100 and 1,000 open lots, as the pure `planRedemption` and as a
 * full `redeem` on the memory store. Baseline: the same operation with one
 * open lot. The lots never run dry (each holds a billion coins), so the
 * count stays fixed while measuring.
 */
import { type Lot, planRedemption } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import {
  type Config,
  heading,
  type Report,
  ratios,
  rounds,
  runSerial,
  runSync,
  spread,
} from "./harness.js";
import { checkInvariants } from "./invariants.js";
import { BIG_CREDIT, fund, makeSubject } from "./subject.js";

export const LOT_COUNTS = [1, 10, 100, 1000] as const;

/** `count` open lots with mixed expiries (a third never expire) and earn times. */
export function syntheticLots(count: number, at: number): Lot[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    coins: BIG_CREDIT,
    remaining: BIG_CREDIT,
    earnedAt: at - (count - i) * 60_000,
    availableAt: at - (count - i) * 60_000,
    expiresAt: i % 3 === 0 ? null : at + 86_400_000 + ((i * 7919) % 1000) * 60_000,
    eventId: "SHOP",
    requestId: `lot-${i + 1}`,
  }));
}

export async function benchPlanning(config: Config, report: Report, runId: string): Promise<void> {
  heading("redemption planning: cost by open lots");
  const at = Date.now();
  const pureLots = new Map(LOT_COUNTS.map((n) => [n, syntheticLots(n, at)]));

  const subject = await makeSubject("planning", memoryStore(), runId);
  const users = new Map(LOT_COUNTS.map((n) => [n, `lots-${n}`]));
  for (const n of LOT_COUNTS)
    await fund(subject, [users.get(n) as string], { lots: n, expiries: true });
  let seq = 0;

  const variants: Record<string, () => number | Promise<number>> = {};
  for (const n of LOT_COUNTS) {
    const lots = pureLots.get(n) as Lot[];
    variants[`pure-${n}`] = () =>
      1e6 / runSync(config.cpuMs, () => planRedemption(lots, "1", at)).opsPerSec;
    const userId = users.get(n) as string;
    variants[`memory-${n}`] = async () =>
      1e6 /
      (
        await runSerial(config.cpuMs, () =>
          subject.tracker.redeem(subject.coins, {
            userId,
            coins: "1",
            requestId: `${subject.ids}-r${seq++}`,
          }),
        )
      ).opsPerSec;
  }
  const results = await rounds(config.rounds, variants);

  for (const kind of ["pure", "memory"] as const) {
    const base = results[`${kind}-1`] as number[];
    for (const n of LOT_COUNTS) {
      const values = results[`${kind}-${n}`] as number[];
      report.add({
        section: "planning",
        name: `${kind === "pure" ? "planRedemption" : "memory redeem"}, ${n} open lot${n === 1 ? "" : "s"}`,
        unit: "µs/op",
        value: spread(values),
        ratio: { label: "÷ 1 lot", value: spread(ratios(values, base)) },
      });
    }
  }
  const check = planRedemption(pureLots.get(1000) as Lot[], "1", at);
  const first = [...(pureLots.get(1000) as Lot[])]
    .filter((l) => l.expiresAt !== null)
    .sort(
      (a, b) => (a.expiresAt as number) - (b.expiresAt as number) || a.earnedAt - b.earnedAt,
    )[0];
  report.check(
    "planning: planRedemption takes from the earliest-expiring lot",
    check.lots.length === 1 && check.lots[0]?.lotId === first?.id && check.shortfall === "0",
  );
  await checkInvariants("planning (memory)", subject.store, subject.coins, subject.tracker, report);
}
