/**
 * A bounded mixed workload through the engine: allocate / redeem / reverse /
 * balance from many concurrent callers, on a hot account and on many
 * accounts. Used in-process by concurrency.test.ts and, two at once, from
 * separate processes (worker.ts).
 */
import { createCoinage, type Store } from "@coinage/core";

export const PROGRAM = { id: "concurrency", coinValue: "1", clawback: "debt" } as const;
export const BUDGET_LIMIT = 3_000;

/** Create the workload's events (idempotent: a second call finds them). */
export async function setupEvents(store: Store, programId: string): Promise<void> {
  const coins = createCoinage({ store, program: { ...PROGRAM, id: programId } });
  for (const event of [
    { id: "EARN", name: "Earn", reward: { kind: "fixed", coins: "10" } },
    {
      id: "BUDGET",
      name: "Budgeted",
      reward: { kind: "fixed", coins: "7" },
      caps: { budget: String(BUDGET_LIMIT) },
    },
  ] as const) {
    try {
      await coins.events.create(event);
    } catch (error) {
      if ((error as { code?: string }).code !== "EVENT_EXISTS") throw error;
    }
  }
}

export interface WorkloadOptions {
  readonly programId: string;
  /** Distinguishes request ids of concurrent runs. */
  readonly tag: string;
  readonly callers: number;
  readonly durationMs: number;
  /** Share of commands on the one hot account (0..1). */
  readonly hotShare: number;
  readonly accounts: number;
  /** Request ids every run also tries (the same ids in every process). */
  readonly sharedIds: number;
}

export interface WorkloadReport {
  readonly operations: number;
  readonly committed: readonly string[];
  readonly errors: Record<string, number>;
}

const EXPECTED = new Set(["INSUFFICIENT_COINS", "REVERSAL_EXCEEDS_ORIGINAL", "NOT_REVERSIBLE"]);

export async function runWorkload(store: Store, options: WorkloadOptions): Promise<WorkloadReport> {
  const coins = createCoinage({ store, program: { ...PROGRAM, id: options.programId } });
  const deadline = Date.now() + options.durationMs;
  const committed = new Set<string>();
  const allocations: { requestId: string }[] = [];
  const errors: Record<string, number> = {};
  let operations = 0;
  let counter = 0;

  const user = () =>
    Math.random() < options.hotShare
      ? "hot"
      : `user-${Math.floor(Math.random() * options.accounts)}`;

  async function step(): Promise<void> {
    const n = counter++;
    const roll = Math.random();
    const id = `${options.tag}-${n}`;
    if (roll < 0.35) {
      const shared = n % 10 === 0 && options.sharedIds > 0;
      const sharedIndex = (n / 10) % Math.max(1, options.sharedIds);
      const requestId = shared ? `shared-${sharedIndex}` : `a-${id}`;
      // A shared id always goes to the same user and event, whoever sends it.
      const userId = shared ? `user-${sharedIndex % options.accounts}` : user();
      const event = shared || Math.random() < 0.7 ? "EARN" : "BUDGET";
      await coins.allocate({ userId, event, requestId });
      committed.add(requestId);
      allocations.push({ requestId });
    } else if (roll < 0.65) {
      const requestId = `r-${id}`;
      await coins.redeem({
        userId: user(),
        coins: String(1 + Math.floor(Math.random() * 15)),
        requestId,
      });
      committed.add(requestId);
    } else if (roll < 0.8 && allocations.length > 0) {
      const target = allocations[Math.floor(Math.random() * allocations.length)] as {
        requestId: string;
      };
      const requestId = `v-${id}`;
      await coins.reverse({
        requestId,
        of: target.requestId,
        coins: String(1 + Math.floor(Math.random() * 4)),
      });
      committed.add(requestId);
    } else {
      await coins.balance(user());
    }
  }

  async function caller(): Promise<void> {
    // Bounded: stops at the deadline, and after a fixed number of steps at most.
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      operations++;
      try {
        await step();
      } catch (error) {
        const code =
          (error as { code?: string }).code ??
          (error instanceof Error ? error.message : String(error));
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  }

  await Promise.all(Array.from({ length: options.callers }, caller));
  return { operations, committed: [...committed], errors };
}

/** Error codes a workload may legitimately report. */
export function unexpectedErrors(report: WorkloadReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.errors).filter(([code]) => !EXPECTED.has(code)));
}
