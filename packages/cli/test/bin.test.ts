/**
 * The built `coinage` executable (dist/bin.js): its exit codes reach the
 * shell. Needs `pnpm build` first (which `pnpm test` runs); without a build
 * it skips with one line, except under CI=true.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const built = existsSync(bin);
if (!built && process.env.CI !== "true")
  console.warn("[cli/bin.test.ts] skipping: packages/cli/dist/bin.js is not built (pnpm build)");

function coinage(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: {} }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
    });
  });
}

describe.skipIf(!built && process.env.CI !== "true")("the coinage executable", () => {
  it("--help - should exit 0", async () => {
    const result = await coinage(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: coinage <command>/);
  });

  it("a bad flag - should exit 2 with a JSON document", async () => {
    const result = await coinage(["report", "--redis-url", "redis://127.0.0.1:1", "--json", "-x"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });

  it("an unreachable store - should exit 1", async () => {
    const result = await coinage(["doctor", "--database-url", "postgres://127.0.0.1:1/x"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^fail {2}reachable/m);
  });
});
