/**
 * @coinage/core must run unchanged in a browser: no Node built-ins, no
 * `process`, no `Buffer`, no `require`. Bundles the public entry point the
 * way a browser app would and fails on any sign of Node; prints the size.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";

const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function isBuiltin(path: string): boolean {
  return path.startsWith("node:") || builtins.has(path) || builtins.has(path.split("/")[0] ?? "");
}

describe("browser bundle", () => {
  test("bundles for the browser without Node built-ins, process, Buffer or require", async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      metafile: true,
      write: false,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter(isBuiltin)).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((i) => i.path),
    );
    expect(imports.filter(isBuiltin)).toEqual([]);

    const output = result.outputFiles[0]?.text ?? "";
    expect(output.length).toBeGreaterThan(0);
    expect(output).not.toMatch(/\bprocess\.(env|versions|platform|nextTick|hrtime)/);
    expect(output).not.toMatch(/\bBuffer\b/);
    expect(output).not.toMatch(/\brequire\(\s*["'`](node:)?[a-z_]+["'`]\s*\)/);

    const bytes = Buffer.byteLength(output);
    const gzipped = gzipSync(output).length;
    console.log(
      `@coinage/core browser bundle: ${(bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
    );
  });

  test("resolves on a neutral platform, where any Node built-in would fail to resolve", async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      target: "es2022",
      metafile: true,
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter(isBuiltin)).toEqual([]);
  });

  test("the package is marked side-effect free: importing it only for effect bundles to nothing", async () => {
    const result = await build({
      stdin: {
        contents: `import ${JSON.stringify(entry)};`,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    expect(result.outputFiles[0]?.text.trim()).toBe("");
  });
});
