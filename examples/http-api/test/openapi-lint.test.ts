/**
 * The OpenAPI document passes `@redocly/cli lint` with its recommended rules:
 * no errors. Two warnings are known and accepted: `/health` and
 * `/openapi.json` answer no 4xx (they take no input and need no token), so
 * `operation-4xx-response` has nothing true to list for them.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { routes } from "../src/app.js";
import { buildOpenApi } from "../src/openapi.js";

const run = promisify(execFile);
const redocly = join(import.meta.dirname, "..", "node_modules", ".bin", "redocly");

interface LintReport {
  readonly totals: { readonly errors: number; readonly warnings: number };
  readonly problems: readonly {
    readonly ruleId: string;
    readonly location: readonly { readonly pointer: string }[];
  }[];
}

it("the OpenAPI document passes redocly lint (recommended rules) with no errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "coinage-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(buildOpenApi(routes)));
    const { stdout } = await run(redocly, ["lint", file, "--format=json"], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as LintReport;
    expect(report.totals.errors).toBe(0);
    expect(report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`).sort()).toEqual([
      "operation-4xx-response #/paths/~1health/get/responses",
      "operation-4xx-response #/paths/~1openapi.json/get/responses",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
