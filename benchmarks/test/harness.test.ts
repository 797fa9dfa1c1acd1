import { describe, expect, it } from "vitest";
import { configFor, now, Report, rounds, runPaced } from "../src/harness.js";

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

  it("logs the wall time of every measured window", async () => {
    const config = { ...configFor(true), rounds: 2 };
    const report = new Report();
    await rounds(config, report, {
      slow: async (w) => {
        if (!w.warmup) await new Promise((resolve) => setTimeout(resolve, 30));
        return 1;
      },
    });
    expect(report.windows.count).toBe(2);
    expect(report.windows.shortestMs).toBeGreaterThanOrEqual(25);
  });

  it("full mode measures windows of at least 2 s", () => {
    const full = configFor(false);
    expect(full.cpuMs).toBeGreaterThanOrEqual(2000);
    expect(full.ioMs).toBeGreaterThanOrEqual(2000);
    expect(full.minWindowMs).toBe(2000);
    expect(full.warmupMs).toBeLessThan(full.cpuMs);
  });
});

describe("runPaced", () => {
  it("spreads its calls over the whole window", async () => {
    const starts: number[] = [];
    const t0 = now();
    const run = await runPaced(100, 5, async () => {
      starts.push(now() - t0);
    });
    expect(run.ops).toBe(5);
    expect(run.latencies.length).toBe(5);
    expect(now() - t0).toBeGreaterThanOrEqual(99);
    // The last call starts about 4/5 into the window, not at once.
    expect(starts[4]).toBeGreaterThanOrEqual(70);
  });
});
