/**
 * The throughput matrix shared by the Postgres and Redis benchmarks:
 * allocations/s and redemptions/s at 1, 4 and 16 connections, uniform over
 * 10,000 accounts and on a hot set of 10 accounts, each against a floor run
 * on the same connections in the same rounds. Every measurement of a hot
 * shape gets a fresh set of 10 funded accounts, so a hot account's open lots
 * do not pile up from one measurement to the next.
 */
import type { AllocateInput } from "@coinage/core";
import {
  type Config,
  heading,
  percentiles,
  type Report,
  ratios,
  rounds,
  runConcurrent,
  spread,
  type Window,
} from "./harness.js";
import type { Subject } from "./subject.js";

export type Op = "allocate" | "redeem";
export type Workload = "uniform" | "hot";

export const OPS: readonly Op[] = ["allocate", "redeem"];
export const WORKLOADS: readonly Workload[] = ["uniform", "hot"];
export const HOT_SIZE = 10;
/** The amount funding allocations use: the per-allocation cap (20,000 coins). */
export const FUNDING_AMOUNT = "30000.00";

export function connectionCounts(config: Config): number[] {
  return config.smoke ? [1, 4] : [1, 4, 16];
}

export function uniformAccounts(config: Config): number {
  return config.smoke ? 200 : 10_000;
}

/** Every account a matrix run uses, per namespace (the store's and the floor's). */
export function accountPlan(config: Config): { uniform: string[]; hot: string[][] } {
  const uniform = Array.from({ length: uniformAccounts(config) }, (_, i) => `t${i}`);
  const hot: string[][] = [];
  const sets = OPS.length * connectionCounts(config).length * (config.rounds + 1);
  for (let s = 0; s < sets; s++) hot.push(Array.from({ length: HOT_SIZE }, (_, k) => `h${s}-${k}`));
  return { uniform, hot };
}

/** Create and fund every account with one allocation, `batch` per `allocateMany`. */
export async function fundAccounts(
  allocateMany: (items: AllocateInput[]) => Promise<unknown>,
  users: readonly string[],
  tag: string,
  batch = 1000,
): Promise<void> {
  for (let i = 0; i < users.length; i += batch) {
    await allocateMany(
      users.slice(i, i + batch).map((userId) => ({
        userId,
        event: "SHOP",
        requestId: `${tag}-fund-${userId}`,
        amount: FUNDING_AMOUNT,
      })),
    );
  }
}

/** One connection setting: how the store and the floor run one operation on worker `w`. */
export interface Lane {
  readonly conns: number;
  store(op: Op, worker: number, userId: string, requestId: string, amount: string): Promise<void>;
  floor(op: Op, worker: number, userId: string, requestId: string, amount: string): Promise<void>;
}

export interface MatrixOptions {
  readonly section: string;
  readonly floorLabel: string;
  /** Target ratio store ÷ floor at the highest connection count (none: the ratio is only reported). */
  readonly target?: number;
  readonly subject: Subject;
  /** The workloads to run (default: all). */
  readonly workloads?: readonly Workload[];
}

export async function runMatrix(
  config: Config,
  report: Report,
  options: MatrixOptions,
  lanes: readonly Lane[],
  amountsList: readonly string[],
): Promise<void> {
  const plan = accountPlan(config);
  const hotNext = { store: 0, floor: 0 };
  let seq = 0;
  const maxConns = Math.max(...lanes.map((l) => l.conns));
  for (const op of OPS) {
    for (const workload of options.workloads ?? WORKLOADS) {
      for (const lane of lanes) {
        heading(`${options.section}: ${op}, ${workload}, ${lane.conns} connection(s)`);
        const latencies: Record<"store" | "floor", number[]> = { store: [], floor: [] };
        const measure = (variant: "store" | "floor") => async (w: Window) => {
          const users =
            workload === "uniform" ? plan.uniform : (plan.hot[hotNext[variant]++] as string[]);
          const run = await runConcurrent(w.ioMs, lane.conns, (worker) => {
            const i = seq++;
            const userId = users[(i * 7919) % users.length] as string;
            const requestId = `${options.subject.ids}-${options.section}-${variant}-${op}-${i}`;
            const amount = amountsList[i % amountsList.length] as string;
            return lane[variant](op, worker, userId, requestId, amount);
          });
          // Percentiles are of the measured rounds only.
          if (!w.warmup) for (const l of run.latencies) latencies[variant].push(l);
          return run.opsPerSec;
        };
        const results = await rounds(config, report, {
          store: measure("store"),
          floor: measure("floor"),
        });
        const ratio = spread(ratios(results.store, results.floor));
        const floorMedian = spread(results.floor).median;
        const floorLatency = percentiles(latencies.floor);
        report.add({
          section: options.section,
          name: `${op}, ${workload === "uniform" ? `uniform ${plan.uniform.length.toLocaleString("en-US")}` : `hot ${HOT_SIZE}`}, ${lane.conns} conn`,
          unit: "ops/s",
          value: spread(results.store),
          ratio: { label: `÷ ${options.floorLabel}`, value: ratio },
          latency: percentiles(latencies.store),
          ...(lane.conns === maxConns && !config.smoke && options.target !== undefined
            ? {
                target: {
                  text: `≥ ${options.target}× ${options.floorLabel}`,
                  met: ratio.median >= options.target,
                },
              }
            : {}),
          note: `floor ${Math.round(floorMedian).toLocaleString("en-US")} ops/s, p50 ${floorLatency.p50.toFixed(2)} ms, p95 ${floorLatency.p95.toFixed(2)} ms, p99 ${floorLatency.p99.toFixed(2)} ms`,
        });
      }
    }
  }
}
