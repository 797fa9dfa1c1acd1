/**
 * Test fixtures: a real Postgres server (DATABASE_URL) and an in-process
 * PGlite. Server tests skip with one line when the server is unreachable,
 * except under CI=true, where they run (and fail).
 */

import type { Store } from "@coinage/core";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate, postgresStore } from "../../src/index.js";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const IN_CI = process.env.CI === "true";

let probe: Promise<string | undefined> | undefined;

/** Why the server cannot be used, or `undefined` when it can. */
export function serverUnavailableReason(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({
      connectionString: DATABASE_URL,
      connectionTimeoutMillis: 2_000,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return undefined;
    } catch (error) {
      return `Postgres at ${redact(DATABASE_URL)} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

/**
 * `true` when server tests should be skipped. Prints one line saying so.
 * Under CI=true it never skips: the tests then fail on the missing server.
 */
export async function skipServerTests(file: string): Promise<boolean> {
  const reason = await serverUnavailableReason();
  if (reason === undefined || IN_CI) return false;
  console.warn(
    `[${file}] skipping server tests: ${reason}; set DATABASE_URL or start Postgres (CI=true makes this fail)`,
  );
  return true;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema name no other run uses. */
export function uniqueSchema(): string {
  return `coinage_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export function newPool(options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8, ...options });
  // Idle connections killed by the fault tests must not crash the process.
  pool.on("error", () => {});
  return pool;
}

export interface Fixture {
  readonly name: string;
  readonly store: Store;
  /** Runs SQL against the store's tables (search_path set to its schema). */
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A fresh schema on the server, migrated, with a store over a pool. */
export async function serverFixture(
  poolOptions: pg.PoolConfig = {},
): Promise<Fixture & { pool: pg.Pool; schema: string }> {
  const schema = uniqueSchema();
  const admin = newPool({ max: 2 });
  await migrate(admin, { schema });
  const pool = newPool(poolOptions);
  const store = postgresStore({ pool, schema });
  return {
    name: "postgres",
    store,
    pool,
    schema,
    async sql(text, values) {
      const client = await admin.connect();
      try {
        await client.query(`SET search_path TO ${ident(schema)}`);
        return (await client.query(text, values)).rows;
      } finally {
        await client.query("RESET search_path").catch(() => {});
        client.release();
      }
    },
    async close() {
      await pool.end().catch(() => {});
      await admin.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch(() => {});
      await admin.end();
    },
  };
}

/** A fresh in-process PGlite database, migrated, with a store over it. */
export async function pgliteFixture(schema?: string): Promise<Fixture & { db: PGlite }> {
  const db = new PGlite();
  await migrate(db, schema === undefined ? {} : { schema });
  const store = postgresStore(schema === undefined ? { pool: db } : { pool: db, schema });
  return {
    name: "pglite",
    store,
    db,
    async sql(text, values) {
      if (schema !== undefined) await db.exec(`SET search_path TO ${ident(schema)}`);
      return (await db.query<Record<string, unknown>>(text, values)).rows;
    },
    async close() {
      await db.close();
    },
  };
}
