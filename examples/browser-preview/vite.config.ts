import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * In this repository the page is built from core's sources, so it always
 * shows the current rules and builds without building the packages first.
 * An application outside the repository imports the published
 * `@coinage/core` and needs no alias.
 */
export default defineConfig({
  resolve: {
    alias: {
      "@coinage/core": fileURLToPath(new URL("../../packages/core/src/index.ts", import.meta.url)),
    },
  },
  build: {
    target: "es2022",
    sourcemap: true,
  },
});
