import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // Before "@coinage/core", which would match it as a prefix.
      "@coinage/core/json-schema": fileURLToPath(
        new URL("./packages/core/src/json-schema.ts", import.meta.url),
      ),
      "@coinage/core": src("core"),
      "@coinage/memory": src("memory"),
      "@coinage/postgres": src("postgres"),
      "@coinage/redis": src("redis"),
      "@coinage/store-tests": src("store-tests"),
    },
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "benchmarks/test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
