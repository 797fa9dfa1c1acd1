// Checks every publishable package the way a consumer sees it: publint for
// package.json/exports mistakes, and attw for types that resolve wrongly under
// node10, node16 (ESM and CJS) and bundler resolution. Packages must be built.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packages = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).private);

let failed = false;
for (const dir of packages) {
  const name = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name;
  // A package without a CommonJS build (the conformance suite: vitest itself
  // is ESM only) is checked as ESM only.
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const esmOnly = !JSON.stringify(manifest.exports ?? {}).includes('"require"');
  for (const [tool, args] of [
    ["publint", ["run", "--strict", dir]],
    [
      "attw",
      ["--pack", dir, "--format", "table-flipped", ...(esmOnly ? ["--profile", "esm-only"] : [])],
    ],
  ]) {
    try {
      execFileSync(join(root, "node_modules", ".bin", tool), args, { stdio: "pipe", cwd: dir });
      console.log(`ok   ${tool} ${name}`);
    } catch (error) {
      failed = true;
      console.error(`FAIL ${tool} ${name}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
}
process.exit(failed ? 1 : 0);
