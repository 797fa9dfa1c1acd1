import { describe, expect, it } from "vitest";
import { configFor, Report, rounds, runPaced } from "../src/harness.js";

describe("rounds", () => {
  it("runs a short warm-up that no result includes, then the measured rounds", async () => {
    const config = { ...configFor(true), rounds: 3, cpuMs: 5, warmupMs: 1 };
    const report = new Report();
    const seen: { warmup: boolean; cpuMs: number }[] = [];
    let call = 0;
    const results = await rounds(config, report, {
      a: (w) => {
        seen.push({ warmup: w.warmup, cpuMs: w.cpuMs });
        return call++;
      },
    });
    expect(seen[0]).toEqual({ warmup: true, cpuMs: 1 });
    expect(seen.slice(1).every((w) => !w.warmup && w.cpuMs === 5)).toBe(true);
    // The warm-up's value (0) is dropped.
    expect(results.a).toEqual([1, 2, 3]);
    expect(report.windows.count).toBe(3);
  });

  it("logs a wall time for every measured window of every variant", async () => {
    const config = { ...configFor(true), rounds: 2 };
    const report = new Report();
    await rounds(config, report, { a: () => 1, b: async () => 2 });
    expect(report.windows.count).toBe(4);
    expect(Number.isFinite(report.windows.shortestMs)).toBe(true);
  });

  it("full mode measures windows of at least 2 s", () => {
    const full = configFor(false);
    expect(full.cpuMs).toBeGreaterThanOrEqual(2000);
    expect(full.ioMs).toBeGreaterThanOrEqual(2000);
    expect(full.minWindowMs).toBe(2000);
    expect(full.warmupMs).toBeLessThan(full.cpuMs);
  });
});

/** A clock that moves only when slept on, or when an operation says it took time. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    spend: (ms: number) => {
      t += ms;
    },
  };
}

describe("runPaced", () => {
  it("spreads its calls over the whole window, and lasts the window", async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    const run = await runPaced(
      100,
      5,
      async () => {
        starts.push(clock.now());
        clock.spend(2);
      },
      5,
      clock,
    );
    expect(starts).toEqual([0, 20, 40, 60, 80]);
    expect([...run.latencies]).toEqual([2, 2, 2, 2, 2]);
    expect(clock.now()).toBe(100);
    expect(run.seconds).toBe(0.1);
  });

  it("makes the calls of a burst back to back, the bursts spread over the window", async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    await runPaced(
      100,
      6,
      async () => {
        starts.push(clock.now());
        clock.spend(3);
      },
      2,
      clock,
    );
    expect(starts).toEqual([0, 3, 6, 50, 53, 56]);
  });

  it("starts a late burst when the previous one ends", async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    await runPaced(
      100,
      2,
      async () => {
        starts.push(clock.now());
        clock.spend(70);
      },
      2,
      clock,
    );
    expect(starts).toEqual([0, 70]);
    expect(clock.now()).toBe(140);
  });
});
