/**
 * The generated Prisma client for the adapter tests. The package's build
 * generates it (`generate:prisma`); when it is missing (tests run without a
 * build) it is generated here first. Generating needs no engine binary: the
 * client runs on `@prisma/adapter-pg`.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaClient } from "./generated/client.js";

const packageRoot = fileURLToPath(new URL("../../../", import.meta.url));
const generated = new URL("./generated/client.ts", import.meta.url);

function generate(): void {
  execFileSync("prisma", ["generate", "--schema", "test/adapters/prisma/schema.prisma"], {
    cwd: packageRoot,
    env: {
      ...process.env,
      PATH: `${packageRoot}node_modules/.bin:${process.env.PATH ?? ""}`,
      // `generate` never runs the schema engine; this keeps it from being fetched.
      PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true",
    },
    stdio: "pipe",
  });
}

/** A client on its own pool whose models live in `schema`. */
export async function prismaClient(
  connectionString: string,
  schema: string,
): Promise<PrismaClient> {
  if (!existsSync(generated)) generate();
  const { PrismaClient } = await import("./generated/client.js");
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: 2 }, { schema }) });
}
