/**
 * Memory store throughput: allocations/s over 10,000 accounts and
 * redemptions/s of one coin over 10,000 funded accounts, through the engine.
 * Baselines, in the same rounds: the pure decision each command wraps
 * (`previewReward` of the same event and amounts; `planRedemption` over one
 * open lot), so the ratio is what the engine and the store add.
 */
import { type Lot, parseEvent, planRedemption, previewReward } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { amounts, STORE_EVENT } from "./fixtures.js";
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
import { syntheticLots } from "./planning.js";
import { fund, makeSubject } from "./subject.js";

export async function benchMemory(config: Config, report: Report, runId: string): Promise<void> {
  heading("memory store: allocations/s and redemptions/s");
  const subject = await makeSubject("memory", memoryStore(), runId);
  const accounts = config.smoke ? 200 : 10_000;
  const users = Array.from({ length: accounts }, (_, i) => `m${i}`);
  await fund(subject, users);
  const values = amounts(1024);
  const event = parseEvent({ ...STORE_EVENT, version: 1 });
  const program = subject.coins.program;
  const lots: Lot[] = syntheticLots(1, Date.now());
  let a = 0;
  let r = 0;

  const results = await rounds(config.rounds, {
    allocate: async () =>
      (
        await runSerial(config.cpuMs, (i) =>
          subject.tracker.allocate(subject.coins, {
            userId: users[(a * 7919) % accounts] as string,
            event: "SHOP",
            requestId: `${subject.ids}-a${a++}`,
            amount: values[i % values.length] as string,
          }),
        )
      ).opsPerSec,
    preview: () =>
      runSync(config.cpuMs, (i) =>
        previewReward(event, { amount: values[i % values.length] as string }, program, new Date()),
      ).opsPerSec,
    redeem: async () =>
      (
        await runSerial(config.cpuMs, () =>
          subject.tracker.redeem(subject.coins, {
            userId: users[(r * 104729) % accounts] as string,
            coins: "1",
            requestId: `${subject.ids}-r${r++}`,
          }),
        )
      ).opsPerSec,
    plan: () => runSync(config.cpuMs, () => planRedemption(lots, "1", Date.now())).opsPerSec,
  });

  report.add({
    section: "memory",
    name: "allocate (10k accounts)",
    unit: "ops/s",
    value: spread(results.allocate),
    ratio: { label: "÷ previewReward", value: spread(ratios(results.allocate, results.preview)) },
  });
  report.add({
    section: "memory",
    name: "redeem 1 coin (10k accounts)",
    unit: "ops/s",
    value: spread(results.redeem),
    ratio: { label: "÷ planRedemption", value: spread(ratios(results.redeem, results.plan)) },
  });
  await checkInvariants("memory", subject.store, subject.coins, subject.tracker, report);
}
