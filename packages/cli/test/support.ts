/**
 * Test helpers: the CLI run in-process with captured output, and the real
 * servers (DATABASE_URL, REDIS_URL). Server tests skip with one line when a
 * server is unreachable, except under CI=true, where they run (and fail).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { run } from "../src/index.js";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const IN_CI = process.env.CI === "true";

export const DAY = 86_400_000;

export interface Invocation {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document `--json` prints. */
  json(): Record<string, unknown>;
}

/** Runs `coinage …argv` in-process; the environment is `env` only (none of the test process's). */
export async function cli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  now?: () => number,
): Promise<Invocation> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    ...(now === undefined ? {} : { now }),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

async function postgresReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return `Postgres at ${DATABASE_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisReason(): Promise<string | undefined> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG"
      ? undefined
      : `Redis at ${REDIS_URL} did not answer PING`;
  } catch (error) {
    return `Redis at ${REDIS_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    probe.disconnect();
  }
}

/** `true` when this file's Postgres tests should be skipped (one line says why); never under CI=true. */
export async function skipPostgres(file: string): Promise<boolean> {
  const reason = await postgresReason();
  if (reason === undefined || IN_CI) return false;
  console.warn(
    `[${file}] skipping server tests: ${reason}; set DATABASE_URL or start Postgres (CI=true makes this fail)`,
  );
  return true;
}

/** `true` when this file's Redis tests should be skipped (one line says why); never under CI=true. */
export async function skipRedis(file: string): Promise<boolean> {
  const reason = await redisReason();
  if (reason === undefined || IN_CI) return false;
  console.warn(
    `[${file}] skipping server tests: ${reason}; set REDIS_URL or start Redis (CI=true makes this fail)`,
  );
  return true;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema name no other run uses. */
export function uniqueSchema(tag: string): string {
  return `coinage_cli_${tag}_${Date.now().toString(36)}_${randomUUID().slice(0, 6)}`;
}

/** A key prefix no other run uses. */
export function uniquePrefix(tag: string): string {
  return `coinage-cli-${tag}-${randomUUID().slice(0, 8)}`;
}

export function newPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on("error", () => {});
  return pool;
}

export function newRedis(): Redis {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 5_000 });
  client.on("error", () => {});
  return client;
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== "0");
}
