import { CoinageError } from "@coinage/core";
import { isUnavailableError, type PostgresClient, toDriver } from "./client.js";
import { migrations as bundled } from "./migrations.generated.js";
import { quoteIdent } from "./sql.js";

/** One versioned SQL file of `migrations/`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** sha256 of `sql`, recorded when applied: an edited migration is refused. */
  readonly checksum: string;
  readonly sql: string;
}

/** The migrations shipped with this version of `@coinage/postgres`, oldest first. */
export const migrations: readonly Migration[] = bundled;

export interface MigrateOptions {
  /**
   * Schema to create the tables in (created when missing). When omitted, the
   * tables go to the connection's current schema (the first of its
   * `search_path`, usually `public`). Use the same value for `postgresStore`.
   */
  readonly schema?: string;
}

export interface MigrateResult {
  /** Names of the migrations this call applied (empty when all were applied already). */
  readonly applied: readonly string[];
}

/** Arbitrary first key of the advisory lock coinage migrations take (the second is the schema). */
const LOCK_CLASS = 0x636f696e; // "coin"

/**
 * Apply every migration not yet applied, in one transaction. Idempotent, and
 * safe when several processes start at once: the transaction takes a
 * transaction-scoped advisory lock per schema first, so concurrent callers
 * wait and then find nothing left to do. Applied versions are recorded in
 * `coinage_migrations`.
 */
export async function migrate(
  client: PostgresClient,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const driver = toDriver(client);
  const schema = options.schema;
  try {
    return await driver.transaction(async (connection) => {
      await connection.query(
        "SELECT pg_advisory_xact_lock($1::int, hashtext(coalesce($2::text, current_schema())))",
        [LOCK_CLASS, schema ?? null],
      );
      if (schema !== undefined) {
        await connection.script(
          `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET LOCAL search_path TO ${quoteIdent(schema)}`,
        );
      }
      await connection.script(
        `CREATE TABLE IF NOT EXISTS coinage_migrations (
           version    integer PRIMARY KEY,
           name       text NOT NULL,
           checksum   text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const rows = await connection.query("SELECT version, name, checksum FROM coinage_migrations");
      const done = new Map(rows.map((row) => [Number(row.version), row]));
      const applied: string[] = [];
      for (const migration of migrations) {
        const row = done.get(migration.version);
        if (row !== undefined) {
          if (row.checksum !== migration.checksum) {
            throw new Error(
              `coinage migration ${migration.name} differs from the one applied to this database; migrations must never be edited after release`,
            );
          }
          continue;
        }
        await connection.script(migration.sql);
        await connection.query(
          "INSERT INTO coinage_migrations (version, name, checksum) VALUES ($1, $2, $3)",
          [migration.version, migration.name, migration.checksum],
        );
        applied.push(migration.name);
      }
      return { applied };
    });
  } catch (error) {
    if (isUnavailableError(error)) {
      throw new CoinageError("STORE_UNAVAILABLE", { operation: "migrate" }, { cause: error });
    }
    throw error;
  }
}
