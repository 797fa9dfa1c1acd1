/**
 * Memory store, through the engine: allocations/s over 100,000 accounts
 * (about one allocation each over the whole run, so open lots do not pile up
 * from round to round) and redemptions/s of one coin over 10,000 other,
 * funded accounts (one open lot each, never closed). Baselines, in the
 * same rounds, are the pure decisions each command wraps, on the same data:
 *  - `previewReward` of the event the engine allocates from (the stored
 *    event object), with the same amounts in the same order;
 *  - `planRedemption` over the very lots of the account each redemption
 *    draws on (read from the store before timing), in the same order.
 * So the ratio is what the engine and the store add around the decision
 * (validation, the request fingerprint, the ledger draft, formatting the
 * result, the store's copies); the targets say how much of the decision's
 * speed a command must keep.
 */
import { createCoinage, type Lot, planRedemption, previewReward } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { openLots } from "./accounts.js";
import { amounts, PROGRAM } from "./fixtures.js";
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
import { fund, makeSubject } from "./subject.js";

/** The smallest share of its decision's speed a command keeps (allocate ÷ previewReward, redeem ÷ planRedemption). */
export const ENGINE_TARGET = 0.33;

export async function benchMemory(config: Config, report: Report, runId: string): Promise<void> {
  heading("memory store: allocations/s and redemptions/s against their decisions");
  const subject = await makeSubject("memory-engine", memoryStore(), runId);
  const accounts = config.smoke ? 200 : 10_000;
  const allocationAccounts = config.smoke ? 200 : 100_000;
  const users = Array.from({ length: accounts }, (_, i) => `m${i}`);
  await fund(subject, users);
  const values = amounts(1024);
  const program = subject.coins.program;
  const event = await subject.coins.events.get("SHOP");
  // The usage the allocations' decisions see: a monthly counter well under the cap.
  const usage = { perUser: { month: "1000" } };
  const lotsOf = new Map<string, readonly Lot[]>();
  for (const userId of users) lotsOf.set(userId, await openLots(subject.store, program.id, userId));
  const allocUser = (k: number) => `ma${(k * 7919) % allocationAccounts}`;
  const redeemUser = (k: number) => users[(k * 104729) % accounts] as string;
  // The same engine with instrumentation whose hooks do nothing: what observing costs.
  const observed = createCoinage({
    store: subject.store,
    program: { ...PROGRAM, id: program.id },
    instrumentation: { onCall: () => () => undefined },
  });
  let a = 0;
  let o = 0;
  let p = 0;
  let r = 0;
  let q = 0;

  const results = await rounds(config, report, {
    allocate: async (w) =>
      (
        await runSerial(w.cpuMs, () => {
          const k = a++;
          return subject.tracker.allocate(subject.coins, {
            userId: allocUser(k),
            event: "SHOP",
            requestId: `${subject.ids}-a${k}`,
            amount: values[k % values.length] as string,
          });
        })
      ).opsPerSec,
    observed: async (w) =>
      (
        await runSerial(w.cpuMs, () => {
          const k = o++;
          return subject.tracker.allocate(observed, {
            userId: allocUser(k + 7),
            event: "SHOP",
            requestId: `${subject.ids}-o${k}`,
            amount: values[k % values.length] as string,
          });
        })
      ).opsPerSec,
    preview: (w) =>
      runSync(w.cpuMs, () =>
        previewReward(
          event,
          { amount: values[p++ % values.length] as string },
          program,
          new Date(),
          usage,
        ),
      ).opsPerSec,
    redeem: async (w) =>
      (
        await runSerial(w.cpuMs, () => {
          const k = r++;
          return subject.tracker.redeem(subject.coins, {
            userId: redeemUser(k),
            coins: "1",
            requestId: `${subject.ids}-r${k}`,
          });
        })
      ).opsPerSec,
    plan: (w) =>
      runSync(w.cpuMs, () =>
        planRedemption(lotsOf.get(redeemUser(q++)) as readonly Lot[], "1", Date.now()),
      ).opsPerSec,
  });

  const allocateShare = spread(ratios(results.allocate, results.preview));
  report.add({
    section: "memory",
    name: `allocate (${allocationAccounts.toLocaleString("en-US")} accounts)`,
    unit: "ops/s",
    value: spread(results.allocate),
    ratio: { label: "÷ previewReward", value: allocateShare },
    target: {
      text: `≥ ${ENGINE_TARGET}× previewReward`,
      met: allocateShare.median >= ENGINE_TARGET,
    },
    note: `previewReward of the same event and amounts: ${Math.round(spread(results.preview).median).toLocaleString("en-US")} ops/s`,
  });
  const redeemShare = spread(ratios(results.redeem, results.plan));
  report.add({
    section: "memory",
    name: `redeem 1 coin (${accounts.toLocaleString("en-US")} accounts)`,
    unit: "ops/s",
    value: spread(results.redeem),
    ratio: { label: "÷ planRedemption", value: redeemShare },
    target: {
      text: `≥ ${ENGINE_TARGET}× planRedemption`,
      met: redeemShare.median >= ENGINE_TARGET,
    },
    note: `planRedemption over the same accounts' lots: ${Math.round(spread(results.plan).median).toLocaleString("en-US")} ops/s`,
  });
  report.add({
    section: "memory",
    name: "allocate with instrumentation (hooks that do nothing)",
    unit: "ops/s",
    value: spread(results.observed),
    ratio: {
      label: "÷ allocate without",
      value: spread(ratios(results.observed, results.allocate)),
    },
    note: "without instrumentation the engine's calls are not wrapped at all: that path is the allocate row",
  });
  report.add({
    section: "memory",
    name: "previewReward (baseline of allocate)",
    unit: "ops/s",
    value: spread(results.preview),
  });
  report.add({
    section: "memory",
    name: "planRedemption (baseline of redeem)",
    unit: "ops/s",
    value: spread(results.plan),
  });
  await checkInvariants("memory", subject.store, subject.coins, subject.tracker, report);
}
