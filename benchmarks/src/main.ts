/**
 * `pnpm bench` (full) and `pnpm bench:smoke` (tiny counts and windows, same
 * code paths, invariants still checked). Prints a table and every target's
 * PASS or FAIL, writes the JSON results and exits non-zero when any check
 * fails (a missed target is reported, not a failure).
 *
 *   tsx src/main.ts [--smoke] [--only=rules,planning,memory,postgres,redis]
 *
 * Only a full run of every section writes `results/latest.json`, the file
 * published figures must come from; smoke and partial runs write files git
 * ignores.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { memoryStore } from "@coinage/memory";
import { benchBulk } from "./bulk.js";
import { benchGrowth } from "./growth.js";
import { type Config, configFor, fmtRatio, heading, modeLine, Report } from "./harness.js";
import { checkInvariants } from "./invariants.js";
import { benchMemory } from "./memory.js";
import { benchOpenLots } from "./openlots.js";
import { benchPages, memoryPages } from "./pages.js";
import { benchPlanning } from "./planning.js";
import { benchPostgres } from "./postgres.js";
import { benchRedis } from "./redis.js";
import { resultsFile, SECTIONS, type Section, sourceOf } from "./results.js";
import { benchRules } from "./rules.js";
import { makeSubject } from "./subject.js";

const here = dirname(fileURLToPath(import.meta.url));

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

/** The shortest measured window must reach the mode's minimum: a check in full mode, a note in smoke mode. */
function checkWindows(config: Config, report: Report): void {
  const { count, shortestMs } = report.windows;
  if (count === 0) return;
  const shortest = `${count} measured windows, the shortest ${(shortestMs / 1000).toFixed(2)} s`;
  if (config.smoke)
    report.notes.push(
      `smoke mode: ${shortest} (full mode: at least ${configFor(false).minWindowMs / 1000} s)`,
    );
  else
    report.check(
      `harness: every measured window lasted at least ${config.minWindowMs / 1000} s`,
      shortestMs >= config.minWindowMs,
      shortest,
    );
}

async function main(): Promise<number> {
  const { smoke, only } = parseArgs(process.argv.slice(2));
  const config = configFor(smoke);
  const report = new Report();
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const started = Date.now();
  const info = machine();
  const built = sourceOf(here);
  console.log(
    `coinage benchmarks (${smoke ? "smoke" : "full"}): ${info.nproc} cores, ${info.cpu}, node ${info.node}; ` +
      `${built === null ? "not a git checkout" : `commit ${built.commit}${built.dirty ? " with uncommitted changes" : ""}`}; run ${runId}`,
  );
  console.log(modeLine(config));

  if (only.has("rules")) await benchRules(config, report);
  if (only.has("planning")) await benchPlanning(config, report);
  if (only.has("memory")) {
    await benchMemory(config, report, runId);
    const subject = await makeSubject("memory", memoryStore(), runId);
    await benchOpenLots(subject, config, report);
    await benchGrowth(subject, config, report, {
      realSeed: Number.POSITIVE_INFINITY,
      parallel: 1,
      redeemsPerRound: smoke ? 20 : 200,
    });
    await benchBulk(subject, config, report);
    await benchPages(memoryPages(memoryStore()), config, report, runId);
    await checkInvariants(
      "memory open lots+growth+bulk",
      subject.store,
      subject.coins,
      subject.tracker,
      report,
    );
  }
  if (only.has("postgres")) await benchPostgres(config, report, runId);
  if (only.has("redis")) await benchRedis(config, report, runId);

  checkWindows(config, report);
  const seconds = (Date.now() - started) / 1000;
  heading(`results (${smoke ? "smoke" : "full"} mode, ${seconds.toFixed(0)} s)`);
  console.log(modeLine(config));
  console.log(report.table());
  for (const note of report.notes) console.log(`note: ${note}`);
  for (const skipped of report.skipped)
    console.log(`skipped ${skipped.section}: ${skipped.reason}`);

  const targets = report.targets;
  const missed = targets.filter((row) => row.target?.met === false);
  console.log(
    `\ntargets${smoke ? " (smoke mode: not measurements)" : ""}: ${targets.length - missed.length} PASS, ${missed.length} FAIL`,
  );
  for (const row of targets) {
    const ratio =
      row.ratio === undefined ? "" : ` ${row.ratio.label} ${fmtRatio(row.ratio.value.median)}`;
    console.log(
      `${row.target?.met ? "PASS" : "FAIL"}  ${row.section}: ${row.name}:${ratio} (target ${row.target?.text})`,
    );
  }
  const failed = report.checks.filter((c) => !c.pass);
  console.log(
    `\ninvariants and checks: ${report.checks.length - failed.length} PASS, ${failed.length} FAIL`,
  );
  const complete = SECTIONS.every((section) => only.has(section)) && report.skipped.length === 0;
  const out = join(here, "..", "results", resultsFile(smoke, complete));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        mode: smoke ? "smoke" : "full",
        date: new Date().toISOString(),
        seconds: Math.round(seconds),
        machine: info,
        sections: [...only],
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
