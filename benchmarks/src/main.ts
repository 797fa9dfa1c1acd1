/**
 * `pnpm bench` (full) and `pnpm bench:smoke` (tiny counts, same code paths,
 * invariants still checked). Prints a table, writes the JSON results and
 * exits non-zero when any check fails.
 *
 *   tsx src/main.ts [--smoke] [--only=rules,planning,memory,postgres,redis]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { memoryStore } from "@coinage/memory";
import { benchBulk } from "./bulk.js";
import { benchGrowth } from "./growth.js";
import { configFor, heading, Report } from "./harness.js";
import { checkInvariants } from "./invariants.js";
import { benchMemory } from "./memory.js";
import { benchPlanning } from "./planning.js";
import { benchPostgres } from "./postgres.js";
import { benchRedis } from "./redis.js";
import { benchRules } from "./rules.js";
import { makeSubject } from "./subject.js";

const SECTIONS = ["rules", "planning", "memory", "postgres", "redis"] as const;
const here = dirname(fileURLToPath(import.meta.url));
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: readonly string[]): { smoke: boolean; only: Set<Section> } {
  const smoke = argv.includes("--smoke");
  const only = argv.find((a) => a.startsWith("--only="));
  const picked = only === undefined ? [...SECTIONS] : only.slice("--only=".length).split(",");
  for (const name of picked) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}`);
  }
  return { smoke, only: new Set(picked as Section[]) };
}

function machine() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line !== undefined) cpu = line.split(":")[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep what os.cpus() said
  }
  return {
    nproc: os.availableParallelism(),
    node: process.version,
    cpu,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/** The commit the packages were built from, and whether `packages/` had uncommitted changes. */
function source(): { commit: string; packagesClean: boolean } | null {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: join(here, ".."), encoding: "utf8" }).trim();
    return {
      commit: git("rev-parse", "--short", "HEAD"),
      packagesClean: git("status", "--porcelain", "--", "../packages") === "",
    };
  } catch {
    return null; // not a git checkout
  }
}

async function main(): Promise<number> {
  const { smoke, only } = parseArgs(process.argv.slice(2));
  const config = configFor(smoke);
  const report = new Report();
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const started = Date.now();
  const info = machine();
  const built = source();
  console.log(
    `coinage benchmarks (${smoke ? "smoke" : "full"}): ${info.nproc} cores, ${info.cpu}, node ${info.node}; ` +
      `${built === null ? "not a git checkout" : `commit ${built.commit}${built.packagesClean ? "" : " with uncommitted changes in packages/"}`}; run ${runId}`,
  );

  if (only.has("rules")) await benchRules(config, report);
  if (only.has("planning")) await benchPlanning(config, report, runId);
  if (only.has("memory")) {
    await benchMemory(config, report, runId);
    const subject = await makeSubject("memory-growth", memoryStore(), runId);
    await benchGrowth(subject, config, report, {
      realSeed: Number.POSITIVE_INFINITY,
      parallel: 1,
      redeemsPerRound: smoke ? 20 : 200,
    });
    await benchBulk(subject, config, report);
    await checkInvariants(
      "memory growth+bulk",
      subject.store,
      subject.coins,
      subject.tracker,
      report,
    );
  }
  if (only.has("postgres")) await benchPostgres(config, report, runId);
  if (only.has("redis")) await benchRedis(config, report, runId);

  const seconds = (Date.now() - started) / 1000;
  heading(`results (${smoke ? "smoke" : "full"} mode, ${seconds.toFixed(0)} s)`);
  console.log(report.table());
  for (const note of report.notes) console.log(`note: ${note}`);
  for (const skipped of report.skipped)
    console.log(`skipped ${skipped.section}: ${skipped.reason}`);

  const failed = report.checks.filter((c) => !c.pass);
  console.log(
    `\ninvariants and checks: ${report.checks.length - failed.length} PASS, ${failed.length} FAIL`,
  );
  const out = join(here, "..", "results", smoke ? "smoke.tmp.json" : "latest.json");
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        mode: smoke ? "smoke" : "full",
        date: new Date().toISOString(),
        seconds: Math.round(seconds),
        machine: info,
        source: built,
        config,
        rows: report.rows,
        checks: report.checks,
        skipped: report.skipped,
        notes: report.notes,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${out}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
