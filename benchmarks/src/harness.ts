/**
 * Timing, statistics and reporting shared by every benchmark.
 *
 * The machine is small and noisy, so no figure stands alone: each benchmark
 * measures a subject and a baseline in the same run, in alternating order,
 * round after round; a result is the median over the rounds with its spread
 * (min–max and interquartile range), and the headline is the ratio computed
 * round by round against the baseline.
 */
import { performance } from "node:perf_hooks";

export interface Config {
  readonly smoke: boolean;
  /** Measured rounds per benchmark (≥ 5 in full mode), after one warm-up round. */
  readonly rounds: number;
  /** Time box of one measured window of a CPU-bound benchmark, ms. */
  readonly cpuMs: number;
  /** Time box of one measured window of an I/O-bound benchmark, ms. */
  readonly ioMs: number;
  /** Time box of a warm-up window (never reported), ms. */
  readonly warmupMs: number;
  /** The shortest a measured window may last; checked in full mode. */
  readonly minWindowMs: number;
}

/**
 * Full mode: 5 rounds of windows of at least 2 s each, after a 0.5 s warm-up.
 * Smoke mode: 2 rounds of windows of tens of milliseconds, which exercise
 * every code path and check but measure nothing worth reading.
 */
export function configFor(smoke: boolean): Config {
  return smoke
    ? { smoke, rounds: 2, cpuMs: 15, ioMs: 40, warmupMs: 10, minWindowMs: 15 }
    : { smoke, rounds: 5, cpuMs: 2000, ioMs: 2000, warmupMs: 500, minWindowMs: 2000 };
}

/** One-line statement of the mode, printed at the start and above the results. */
export function modeLine(config: Config): string {
  return config.smoke
    ? `smoke mode: ${config.rounds} rounds of ${config.cpuMs} ms (CPU) / ${config.ioMs} ms (I/O) windows, ` +
        "shorter than full mode's 2 s: the figures exercise the code and are not measurements"
    : `full mode: ${config.rounds} measured rounds of windows of at least ${config.minWindowMs / 1000} s each, ` +
        `after a ${config.warmupMs} ms warm-up round that no figure or percentile includes`;
}

// ---------------------------------------------------------------- statistics

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (position - low);
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    n: sorted.length,
  };
}

/** Element-wise a[i] / b[i]. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / (b[i] as number));
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

// -------------------------------------------------------------------- timing

/** Milliseconds, monotonic. */
export const now = (): number => performance.now();

export interface Throughput {
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSec: number;
}

/** Call a synchronous `op` repeatedly for about `ms`; checks the clock every 8 calls. */
export function runSync(ms: number, op: (i: number) => unknown): Throughput {
  let sink: unknown;
  const start = now();
  const stop = start + ms;
  let i = 0;
  let t = start;
  do {
    for (let k = 0; k < 8; k++) sink = op(i++);
    t = now();
  } while (t < stop);
  keep(sink);
  const seconds = (t - start) / 1000;
  return { ops: i, seconds, opsPerSec: i / seconds };
}

/** Await `op` repeatedly for about `ms`, one at a time. */
export async function runSerial(
  ms: number,
  op: (i: number) => Promise<unknown>,
  maxOps = Number.POSITIVE_INFINITY,
): Promise<Throughput> {
  const start = now();
  const stop = start + ms;
  let i = 0;
  let t = start;
  do {
    await op(i++);
    t = now();
  } while (t < stop && i < maxOps);
  const seconds = (t - start) / 1000;
  return { ops: i, seconds, opsPerSec: i / seconds };
}

export interface ConcurrentRun extends Throughput {
  /** Per-operation latencies, ms. */
  readonly latencies: Float64Array;
}

/**
 * `workers` loops, each awaiting `op(worker, i)` until `ms` has passed (or
 * `maxOps` were started in total), recording every latency.
 */
export async function runConcurrent(
  ms: number,
  workers: number,
  op: (worker: number, i: number) => Promise<unknown>,
  maxOps = Number.POSITIVE_INFINITY,
): Promise<ConcurrentRun> {
  let latencies = new Float64Array(4096);
  let count = 0;
  let started = 0;
  const start = now();
  const stop = start + ms;
  const loop = async (worker: number) => {
    while (now() < stop && started < maxOps) {
      const i = started++;
      const t0 = now();
      await op(worker, i);
      const t1 = now();
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = t1 - t0;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
  const seconds = (now() - start) / 1000;
  return { ops: count, seconds, opsPerSec: count / seconds, latencies: latencies.slice(0, count) };
}

/** What one call of a variant is for: the warm-up (discarded) or a measured round. */
export interface Window {
  readonly warmup: boolean;
  /** Time box of this call, for a CPU-bound measurement, ms. */
  readonly cpuMs: number;
  /** Time box of this call, for an I/O-bound measurement, ms. */
  readonly ioMs: number;
}

/**
 * Run every variant once as a warm-up (short, discarded), then once per
 * round, rotating the order each round so no variant always runs first
 * (warm) or last (after garbage piles up). Returns each variant's values from
 * the measured rounds only; a variant that keeps latencies keeps only those
 * of calls whose window is not `warmup`. The wall time of every measured
 * call is logged in the report, whose run checks them against
 * `config.minWindowMs`.
 */
export async function rounds<K extends string>(
  config: Config,
  report: Report,
  variants: Record<K, (window: Window) => number | Promise<number>>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(variants) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const warmup: Window = { warmup: true, cpuMs: config.warmupMs, ioMs: config.warmupMs };
  const measured: Window = { warmup: false, cpuMs: config.cpuMs, ioMs: config.ioMs };
  for (const key of keys) await variants[key](warmup);
  for (let r = 0; r < config.rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(r + j) % keys.length] as K;
      const t0 = now();
      out[key].push(await variants[key](measured));
      report.window(now() - t0);
    }
  }
  return out;
}

/**
 * Await `op` `count` times over a window of `ms`, in `bursts` groups of calls
 * made back to back, the groups spread evenly over the window (a group starts
 * on its slot, or when the previous one ends if that is later); then wait out
 * the window. For latency samples of an operation that may only run so often:
 * the window lasts `ms` whatever the count, and calls within a group run warm
 * (a call after a long pause pays for cold caches and a rescheduled process).
 */
export async function runPaced(
  ms: number,
  count: number,
  op: (i: number) => Promise<unknown>,
  bursts = Math.min(count, 10),
  clock: Clock = realClock,
): Promise<ConcurrentRun> {
  const { now, sleep } = clock;
  const latencies = new Float64Array(count);
  const start = now();
  const perBurst = Math.ceil(count / bursts);
  const step = ms / Math.ceil(count / perBurst);
  for (let i = 0; i < count; i++) {
    if (i % perBurst === 0) {
      const slot = start + (i / perBurst) * step;
      for (let wait = slot - now(); wait > 1; wait = slot - now()) await sleep(wait);
    }
    const t0 = now();
    await op(i);
    latencies[i] = now() - t0;
  }
  // Timers may fire a little early: wait until the clock says the window is over.
  for (let rest = start + ms - now(); rest > 0; rest = start + ms - now()) await sleep(rest);
  const seconds = (now() - start) / 1000;
  return { ops: count, seconds, opsPerSec: count / seconds, latencies };
}

/** Reading the time and waiting; a test can pass its own. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

let blackhole: unknown;
/** Keep a value alive so the optimiser cannot drop the work that made it. */
export function keep(value: unknown): void {
  blackhole = value;
}
export function kept(): unknown {
  return blackhole;
}

// ------------------------------------------------------------------ results

export type Unit = "ops/s" | "µs/op" | "ms/op" | "ms" | "x";

/** A performance goal of a row: reported PASS or FAIL, never failing the run. */
export interface Target {
  readonly text: string;
  readonly met: boolean;
}

export interface Row {
  readonly section: string;
  readonly name: string;
  readonly unit: Unit;
  readonly value: Spread;
  /** Subject ÷ baseline (or the stated quotient), round by round. */
  readonly ratio?: { readonly label: string; readonly value: Spread };
  readonly latency?: Percentiles;
  readonly target?: Target;
  readonly note?: string;
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export class Report {
  readonly rows: Row[] = [];
  readonly checks: Check[] = [];
  readonly skipped: { section: string; reason: string }[] = [];
  readonly notes: string[] = [];
  /** Wall times of the measured windows, ms: the shortest and how many. */
  readonly windows = { count: 0, shortestMs: Number.POSITIVE_INFINITY };

  add(row: Row): void {
    this.rows.push(row);
  }

  check(name: string, pass: boolean, detail = ""): void {
    this.checks.push({ name, pass, detail });
    console.log(`${pass ? "PASS" : "FAIL"}  ${name}${detail ? `  (${detail})` : ""}`);
  }

  skip(section: string, reason: string): void {
    this.skipped.push({ section, reason });
    console.log(`skip  ${section}: ${reason}`);
  }

  window(ms: number): void {
    this.windows.count++;
    this.windows.shortestMs = Math.min(this.windows.shortestMs, ms);
  }

  /** The rows that carry a target. */
  get targets(): Row[] {
    return this.rows.filter((row) => row.target !== undefined);
  }

  get failed(): boolean {
    return this.checks.some((c) => !c.pass);
  }

  table(): string {
    const header = [
      "section",
      "benchmark",
      "median",
      "min–max",
      "ratio (median, min–max)",
      "p50/p95/p99 ms",
      "target",
    ];
    const lines = this.rows.map((row) => [
      row.section,
      row.name,
      `${fmt(row.value.median)} ${row.unit}`,
      `${fmt(row.value.min)}–${fmt(row.value.max)}`,
      row.ratio === undefined
        ? ""
        : `${row.ratio.label} ${fmtRatio(row.ratio.value.median)} (${fmtRatio(row.ratio.value.min)}–${fmtRatio(row.ratio.value.max)})`,
      row.latency === undefined
        ? ""
        : `${row.latency.p50.toFixed(2)}/${row.latency.p95.toFixed(2)}/${row.latency.p99.toFixed(2)}`,
      row.target === undefined ? "" : `${row.target.met ? "PASS" : "FAIL"}: ${row.target.text}`,
    ]);
    const widths = header.map((h, i) =>
      Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)),
    );
    const render = (cells: readonly string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i] as number))
        .join(" │ ")
        .trimEnd();
    return [
      render(header),
      widths.map((w) => "─".repeat(w)).join("─┼─"),
      ...lines.map(render),
    ].join("\n");
  }
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function fmtRatio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 100) return `${value.toFixed(0)}×`;
  if (value >= 10) return `${value.toFixed(1)}×`;
  return `${value.toFixed(2)}×`;
}

const loaded = now();

/** Print a section heading as work starts, with the seconds since the start, so a long run shows progress. */
export function heading(title: string): void {
  console.log(`\n== ${title}  (+${((now() - loaded) / 1000).toFixed(0)} s)`);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Benchmarks send load only to this machine: why `url` (from `variable`) is refused, or null. */
export function nonLoopback(url: URL, variable: string): string | null {
  return LOOPBACK.has(url.hostname)
    ? null
    : `${variable} host ${url.hostname} is not a loopback address`;
}
