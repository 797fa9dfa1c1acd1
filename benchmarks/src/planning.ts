/**
 * Redemption planning: the pure `planRedemption` of one coin over 1, 10, 100
 * and 1,000 open lots (mixed expiries, a third never expiring). Baseline: the
 * same call over one lot. What the stores pay for open lots, through the
 * engine, is the open-lots benchmark (`openlots.ts`).
 */
import { type Lot, planRedemption } from "@coinage/core";
import { type Config, heading, type Report, ratios, rounds, runSync, spread } from "./harness.js";
import { BIG_CREDIT } from "./subject.js";

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

export async function benchPlanning(config: Config, report: Report): Promise<void> {
  heading("redemption planning: planRedemption by open lots");
  const at = Date.now();
  const lotsOf = new Map(LOT_COUNTS.map((n) => [n, syntheticLots(n, at)]));

  const variants: Record<string, (w: { cpuMs: number }) => number> = {};
  for (const n of LOT_COUNTS) {
    const lots = lotsOf.get(n) as Lot[];
    variants[`pure-${n}`] = (w) =>
      1e6 / runSync(w.cpuMs, () => planRedemption(lots, "1", at)).opsPerSec;
  }
  const results = await rounds(config, report, variants);

  const base = results["pure-1"] as number[];
  for (const n of LOT_COUNTS) {
    const values = results[`pure-${n}`] as number[];
    report.add({
      section: "planning",
      name: `planRedemption, ${n} open lot${n === 1 ? "" : "s"}`,
      unit: "µs/op",
      value: spread(values),
      ratio: { label: "÷ 1 lot", value: spread(ratios(values, base)) },
    });
  }
  const check = planRedemption(lotsOf.get(1000) as Lot[], "1", at);
  const first = [...(lotsOf.get(1000) as Lot[])]
    .filter((l) => l.expiresAt !== null)
    .sort(
      (a, b) => (a.expiresAt as number) - (b.expiresAt as number) || a.earnedAt - b.earnedAt,
    )[0];
  report.check(
    "planning: planRedemption takes from the earliest-expiring lot",
    check.lots.length === 1 && check.lots[0]?.lotId === first?.id && check.shortfall === "0",
  );
}
