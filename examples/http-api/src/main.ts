/**
 * Entry point: environment → store → app → socket. See README.md for the
 * variables; `pnpm start` at the repository root builds and runs this.
 */
import { fileURLToPath } from "node:url";
import { runScenario } from "@coinage/example-quickstart/scenario";
import { memoryStore } from "@coinage/memory";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { ConfigError, readConfig } from "./config.js";
import { hasIndex } from "./static.js";
import { openStore } from "./stores.js";

async function main(): Promise<void> {
  const config = readConfig(process.env);
  if (process.env.COINAGE_DEMO !== "0") {
    // A worked scenario on a throw-away memory store, so a first run shows what
    // the library does before any request is sent. COINAGE_DEMO=0 turns it off.
    console.log("A worked cashback scenario (its own in-memory store, not the server's):");
    await runScenario(memoryStore(), (line) =>
      console.log(`  ${line.step.padEnd(12)} ${line.detail}`),
    );
    console.log("");
  }
  const opened = await openStore(config.store);
  const previewDir =
    config.previewDir ?? fileURLToPath(new URL("../../browser-preview/dist", import.meta.url));

  const app = createApp({
    store: opened.store,
    tokens: config.tokens,
    programs: config.programs,
    programDefaults: config.programDefaults,
    previewDir,
  });

  const previewBuilt = await hasIndex(previewDir);
  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      ...(config.host === undefined ? {} : { hostname: config.host }),
    },
    (info) => {
      const base = `http://${config.host ?? "localhost"}:${info.port}`;
      const programs = [...new Set(config.tokens.values())].join(", ");
      console.log(`coinage HTTP API listening on ${base}`);
      console.log(`  API:      ${base}/api/v0/…, ${base}/api/v1/…  (programs: ${programs})`);
      console.log(
        `  Preview:  ${base}/${previewBuilt ? "" : "  (not built: pnpm --filter @coinage/example-browser-preview build)"}`,
      );
      console.log(`  OpenAPI:  ${base}/openapi.json`);
      console.log(`  Store:    ${opened.label}`);
      if (config.devTokens) {
        console.log(
          '  Auth:     COINAGE_TOKENS is not set, using the dev token "dev-token" for program "demo"',
        );
      }
    },
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: closing`);
    server.close(() => {
      opened.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error("closing the store failed", error);
          process.exit(1);
        },
      );
    });
    // Connections kept alive by clients must not hold the process forever.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error("coinage HTTP API failed to start:", error);
  process.exit(1);
});
