/**
 * Where a run's results go, what commit they come from, and what makes a
 * results file fit to be quoted: a full run of every section, at a commit,
 * on a checkout that did not differ from it. `test/results.test.ts` holds
 * the READMEs to that.
 */
import { execFileSync } from "node:child_process";

export const SECTIONS = ["rules", "planning", "memory", "postgres", "redis"] as const;
export type Section = (typeof SECTIONS)[number];

/** The results file of a run: only a full run of every section is `latest.json`. */
export function resultsFile(smoke: boolean, complete: boolean): string {
  if (smoke) return "smoke.tmp.json";
  return complete ? "latest.json" : "partial.tmp.json";
}

export interface Source {
  /** `git rev-parse HEAD`: the commit the run started at. */
  readonly commit: string;
  /** Whether the checkout differed from that commit (results files aside). */
  readonly dirty: boolean;
  /** The first differing paths, as `git status --porcelain` lists them. */
  readonly changes: readonly string[];
}

/** The commit the checkout holding `dir` is at, and whether it differs from it; null outside git. */
export function sourceOf(dir: string): Source | null {
  try {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", args, { cwd, encoding: "utf8" });
    const top = git(dir, "rev-parse", "--show-toplevel").trim();
    const changes = git(top, "status", "--porcelain")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.slice(3).startsWith("benchmarks/results/"));
    return {
      commit: git(top, "rev-parse", "HEAD").trim(),
      dirty: changes.length > 0,
      changes: changes.slice(0, 20),
    };
  } catch {
    return null;
  }
}

/**
 * Why a results file may not be quoted (empty when it may): it must be a
 * full-mode run of every section that skipped none, with the commit it ran
 * at, on a checkout that did not differ from it. (Files written before the
 * `dirty` flag existed say `packagesClean` instead.)
 */
export function unquotable(results: unknown): string[] {
  const run = (results ?? {}) as {
    mode?: unknown;
    sections?: unknown;
    skipped?: unknown;
    source?: { commit?: unknown; dirty?: unknown; packagesClean?: unknown } | null;
  };
  const problems: string[] = [];
  if (run.mode !== "full") problems.push(`mode is ${String(run.mode)}, not full`);
  if (
    Array.isArray(run.sections) &&
    !SECTIONS.every((s) => (run.sections as unknown[]).includes(s))
  )
    problems.push(`only sections ${run.sections.join(", ")} ran`);
  if (Array.isArray(run.skipped) && run.skipped.length > 0)
    problems.push(`${run.skipped.length} sections were skipped`);
  const source = run.source;
  if (typeof source?.commit !== "string" || !/^[0-9a-f]{7,40}$/.test(source.commit))
    problems.push("no commit");
  if (source?.dirty !== false && source?.packagesClean !== true)
    problems.push("the checkout differed from the commit, or the file does not say");
  return problems;
}

/** The commits a Markdown section (from `heading` to the next heading of its level) names as `` commit `abc1234` ``. */
export function quotedCommits(markdown: string, heading: string): string[] {
  const level = heading.match(/^#+/)?.[0] ?? "##";
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/commit `?([0-9a-f]{7,40})\b/g)].map((m) => m[1] as string);
}
