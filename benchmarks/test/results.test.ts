import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { quotedCommits, resultsFile, SECTIONS, unquotable } from "../src/results.js";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

const clean = {
  mode: "full",
  sections: [...SECTIONS],
  skipped: [],
  source: { commit: "0123456789abcdef0123456789abcdef01234567", dirty: false, changes: [] },
};

describe("results files", () => {
  it("only a full run of every section is latest.json", () => {
    expect(resultsFile(false, true)).toBe("latest.json");
    expect(resultsFile(false, false)).toBe("partial.tmp.json");
    expect(resultsFile(true, true)).toBe("smoke.tmp.json");
  });

  it("a clean full run of every section may be quoted, nothing less", () => {
    expect(unquotable(clean)).toEqual([]);
    expect(unquotable({ ...clean, mode: "smoke" })).not.toEqual([]);
    expect(unquotable({ ...clean, sections: ["memory"] })).not.toEqual([]);
    expect(unquotable({ ...clean, skipped: [{ section: "redis", reason: "down" }] })).not.toEqual(
      [],
    );
    expect(unquotable({ ...clean, source: { ...clean.source, dirty: true } })).not.toEqual([]);
    expect(unquotable({ ...clean, source: null })).not.toEqual([]);
    expect(unquotable({ ...clean, source: { commit: "abc", dirty: false } })).not.toEqual([]);
  });

  it("finds the commits a section names, and only that section's", () => {
    const md =
      "# T\n\n## Performance\n\nLatest run: commit `abc1234`.\n\n## Next\n\ncommit `def5678`\n";
    expect(quotedCommits(md, "## Performance")).toEqual(["abc1234"]);
    expect(quotedCommits(md, "## Missing")).toEqual([]);
  });
});

describe("published numbers", () => {
  const latest = JSON.parse(read("../results/latest.json")) as {
    source: { commit: string };
  };

  it("results/latest.json is a clean full run of every section", () => {
    expect(unquotable(latest)).toEqual([]);
  });

  it.each([
    ["the root README's Performance section", "../../README.md", "## Performance"],
    ["the benchmarks README's Latest numbers", "../README.md", "## Latest numbers"],
  ])("%s quotes the run of results/latest.json", (_what, path, heading) => {
    const quoted = quotedCommits(read(path), heading);
    expect(quoted.length).toBeGreaterThan(0);
    for (const commit of quoted) expect(latest.source.commit.startsWith(commit)).toBe(true);
  });
});
