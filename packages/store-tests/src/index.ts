/**
 * The conformance suite every coinage `Store` passes unchanged. A store's own
 * test file is a few lines:
 *
 * ```ts
 * import { memoryStore } from "@coinage/memory";
 * import { describeStore } from "@coinage/store-tests";
 *
 * describeStore("memory", { create: () => memoryStore() });
 * ```
 *
 * Every test runs through the public engine (`createCoinage`) on a fresh
 * program id, so one store instance serves the whole suite without cleanup.
 */
import type { Store } from "@coinage/core";
import { afterAll, beforeAll, describe } from "vitest";
import type { StoreRef } from "./harness.js";
import { allocateSuite } from "./suites/allocate.js";
import { balanceAtSuite } from "./suites/balance-at.js";
import { bulkSuite } from "./suites/bulk.js";
import { concurrencySuite } from "./suites/concurrency.js";
import { erasureSuite } from "./suites/erasure.js";
import { eventsSuite } from "./suites/events.js";
import { expiringSuite } from "./suites/expiring.js";
import { expirySuite } from "./suites/expiry.js";
import { feedSuite } from "./suites/feed.js";
import { historySuite } from "./suites/history.js";
import { idempotencySuite } from "./suites/idempotency.js";
import { isolationSuite } from "./suites/isolation.js";
import { levelsSuite } from "./suites/levels.js";
import { liabilitySuite } from "./suites/liability.js";
import { modelSuite } from "./suites/model.js";
import { readsSuite } from "./suites/reads.js";
import { redeemSuite } from "./suites/redeem.js";
import { referralSuite } from "./suites/referral.js";
import { refundsSuite } from "./suites/refunds.js";
import { requestsSuite } from "./suites/requests.js";
import { reverseSuite } from "./suites/reverse.js";
import { robustnessSuite } from "./suites/robustness.js";

export interface StoreSetup {
  /** Called once per suite (beforeAll). */
  create(): Promise<Store> | Store;
  /** Called once after the suite (afterAll). */
  close?(): Promise<void>;
  /** When set, the whole suite is skipped with this one-line reason (a store whose server is absent outside CI). */
  skipReason?: string | undefined;
}

/** The named suites, in the order they run. */
const suites: readonly (readonly [string, (ref: StoreRef) => void])[] = [
  ["events", eventsSuite],
  ["allocate", allocateSuite],
  ["redeem", redeemSuite],
  ["expiry", expirySuite],
  ["reads", readsSuite],
  ["reverse", reverseSuite],
  ["refund by amount", refundsSuite],
  ["levels", levelsSuite],
  ["liability", liabilitySuite],
  ["erasure", erasureSuite],
  ["referral", referralSuite],
  ["idempotency", idempotencySuite],
  ["allocateMany", bulkSuite],
  ["history", historySuite],
  ["requests", requestsSuite],
  ["balance at", balanceAtSuite],
  ["expiring", expiringSuite],
  ["feed", feedSuite],
  ["isolation", isolationSuite],
  ["concurrency", concurrencySuite],
  ["model", modelSuite],
  ["robustness", robustnessSuite],
];

/**
 * Register the whole conformance suite for one store. When
 * `setup.skipReason` is set, every test is registered as skipped and the
 * reason is part of the suite's title, so a skip is never silent.
 */
export function describeStore(name: string, setup: StoreSetup): void {
  const skip = setup.skipReason !== undefined && setup.skipReason !== "";
  const title = skip ? `${name} store (skipped: ${setup.skipReason})` : `${name} store`;
  describe.skipIf(skip)(title, () => {
    const ref: StoreRef = { current: undefined };
    beforeAll(async () => {
      ref.current = await setup.create();
    });
    afterAll(async () => {
      await setup.close?.();
    });
    for (const [suite, register] of suites) {
      describe(suite, () => register(ref));
    }
  });
}
