/**
 * The PostgreSQL backend: a `pg` pool, `@coinage/postgres`'s store and
 * migrations, and the catalog and aggregate queries of `doctor` and `report`.
 */
import { addDecimalStrings } from "@coinage/core";
import { migrate, migrations, postgresStore } from "@coinage/postgres";
import pg from "pg";
import { CommandFailure } from "../io.js";
import { redact } from "../target.js";
import {
  type Backend,
  byId,
  type Check,
  type MigrateReport,
  messageOf,
  type Outstanding,
  storeCheck,
} from "./backend.js";
import { type AppliedMigration, compareMigrations, expectedObjects } from "./postgres-schema.js";

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function openPostgres(target: { readonly url: string; readonly schema?: string }): Backend {
  const { url, schema } = target;
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  // An idle connection that dies is reported on the pool; without a listener
  // that crashes the process. The pool drops it; the next query fails or reconnects.
  pool.on("error", () => {});
  const table = (name: string) => (schema === undefined ? name : `${quoteIdent(schema)}.${name}`);
  const store = postgresStore(schema === undefined ? { pool } : { pool, schema });

  async function query<R extends Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return (await pool.query(text, values)).rows as R[];
  }

  return {
    kind: "postgres",
    store,

    async connect() {
      try {
        await pool.query("SELECT 1");
      } catch (error) {
        throw new CommandFailure(
          "STORE_UNAVAILABLE",
          `cannot reach PostgreSQL at ${redact(url)}: ${messageOf(error)}`,
          { cause: error },
        );
      }
    },

    async migrate(): Promise<MigrateReport> {
      const { applied } = await migrate(pool, schema === undefined ? {} : { schema });
      return { kind: "postgres", applied, version: migrations.at(-1)?.version ?? 0 };
    },

    doctor: () => doctorChecks(query, url, schema, store),

    async programs() {
      // A loose index scan over the primary key: one index probe per program,
      // not a read of every account.
      const rows = await query<{ program_id: string }>(
        `WITH RECURSIVE p AS (
           (SELECT program_id FROM ${table("coinage_accounts")} ORDER BY program_id LIMIT 1)
           UNION ALL
           SELECT (SELECT a.program_id FROM ${table("coinage_accounts")} a
                   WHERE a.program_id > p.program_id ORDER BY a.program_id LIMIT 1)
           FROM p WHERE p.program_id IS NOT NULL
         )
         SELECT program_id FROM p WHERE program_id IS NOT NULL`,
      );
      return rows.map((row) => row.program_id).sort(byId);
    },

    async outstanding(programs, at) {
      // One statement, so one snapshot: the balance of every account is the
      // sum of its open lots not expired at `at` (pending while not yet
      // available), exactly what `balance` computes from the totals.
      const rows = await query<{
        program_id: string;
        accounts: number;
        holders: number;
        available: string;
        pending: string;
        debt: string;
      }>(
        `WITH per_user AS (
           SELECT program_id, user_id,
                  coalesce(sum(remaining) FILTER (WHERE available_at <= $1::bigint), 0) AS available,
                  coalesce(sum(remaining) FILTER (WHERE available_at > $1::bigint), 0) AS pending
           FROM ${table("coinage_lots")}
           WHERE remaining > 0 AND (expires_at IS NULL OR expires_at > $1::bigint)
             AND ($2::text[] IS NULL OR program_id = ANY($2::text[]))
           GROUP BY program_id, user_id
         ), lots AS (
           SELECT program_id, count(*)::int AS holders,
                  sum(available)::text AS available, sum(pending)::text AS pending
           FROM per_user GROUP BY program_id
         ), accounts AS (
           SELECT program_id, count(*)::int AS accounts, coalesce(sum(debt), 0)::text AS debt
           FROM ${table("coinage_accounts")}
           WHERE ($2::text[] IS NULL OR program_id = ANY($2::text[]))
           GROUP BY program_id
         )
         SELECT coalesce(a.program_id, l.program_id) AS program_id,
                coalesce(a.accounts, 0) AS accounts, coalesce(l.holders, 0) AS holders,
                coalesce(l.available, '0') AS available, coalesce(l.pending, '0') AS pending,
                coalesce(a.debt, '0') AS debt
         FROM accounts a FULL JOIN lots l ON l.program_id = a.program_id`,
        [String(at), programs === undefined ? null : [...programs]],
      );
      const found = new Map<string, Outstanding>(
        rows.map((row) => [
          row.program_id,
          {
            program: row.program_id,
            accounts: row.accounts,
            holders: row.holders,
            available: addDecimalStrings("0", row.available),
            pending: addDecimalStrings("0", row.pending),
            debt: addDecimalStrings("0", row.debt),
          },
        ]),
      );
      const ids = programs ?? [...found.keys()];
      return [...new Set(ids)].sort(byId).map(
        (program) =>
          found.get(program) ?? {
            program,
            accounts: 0,
            holders: 0,
            available: "0",
            pending: "0",
            debt: "0",
          },
      );
    },

    async close() {
      await pool.end().catch(() => {});
    },
  };
}

type Query = <R extends Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;

async function doctorChecks(
  query: Query,
  url: string,
  schema: string | undefined,
  store: Backend["store"],
): Promise<Check[]> {
  const checks: Check[] = [];
  let server: { version: string; current: string | null };
  try {
    [server] = (await query<{ version: string; current: string | null }>(
      "SELECT current_setting('server_version') AS version, current_schema() AS current",
    )) as [{ version: string; current: string | null }];
  } catch (error) {
    checks.push({
      name: "reachable",
      status: "fail",
      detail: `cannot reach PostgreSQL at ${redact(url)}: ${messageOf(error)}`,
    });
    return checks;
  }
  checks.push({ name: "reachable", status: "ok", detail: `PostgreSQL ${server.version}` });

  try {
    const name = schema ?? server.current;
    if (name === null) {
      checks.push({
        name: "schema",
        status: "fail",
        detail:
          "no schema of the connection's search_path exists: pass --schema, or run coinage migrate --schema <name>",
      });
      return checks;
    }
    const [namespace] = await query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [name]);
    if (namespace === undefined) {
      checks.push({
        name: "schema",
        status: "fail",
        detail: `schema ${name} does not exist: not migrated (run coinage migrate)`,
      });
      return checks;
    }
    checks.push({
      name: "schema",
      status: "ok",
      detail: schema === undefined ? `${name} (the connection's current schema)` : name,
    });

    const relations = async (names: readonly string[]) =>
      new Set(
        (
          await query<{ relname: string }>(
            `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname = ANY($2::text[])`,
            [name, [...names]],
          )
        ).map((row) => row.relname),
      );

    if (!(await relations(["coinage_migrations"])).has("coinage_migrations")) {
      checks.push({
        name: "migrations",
        status: "fail",
        detail: `not migrated: schema ${name} has no coinage_migrations table (run coinage migrate)`,
      });
      return checks;
    }
    const applied = (
      await query<{ version: number; name: string; checksum: string }>(
        `SELECT version, name, checksum FROM ${quoteIdent(name)}.coinage_migrations ORDER BY version`,
      )
    ).map((row): AppliedMigration => ({ ...row, version: Number(row.version) }));
    const state = compareMigrations(migrations, applied);
    const latest = migrations.at(-1);
    const problems: string[] = [];
    if (state.pending.length > 0)
      problems.push(
        `${state.pending.length} pending: ${state.pending.map((m) => m.name).join(", ")} (run coinage migrate)`,
      );
    if (state.edited.length > 0)
      problems.push(
        `applied ${state.edited.map((m) => m.name).join(", ")} differ${state.edited.length === 1 ? "s" : ""} from the file this version ships (migrations must never be edited)`,
      );
    if (state.unknown.length > 0)
      problems.push(
        `applied ${state.unknown.map((m) => `${m.version} (${m.name})`).join(", ")} unknown to this version: a newer @coinage/postgres migrated this schema (upgrade @coinage/cli)`,
      );
    const version = applied.at(-1);
    const at =
      version === undefined
        ? "no migration applied"
        : `version ${version.version} (${version.name})`;
    checks.push(
      problems.length === 0
        ? { name: "migrations", status: "ok", detail: `${at}, up to date` }
        : {
            name: "migrations",
            status: "fail",
            detail: `${at} of ${latest?.version ?? 0}: ${problems.join("; ")}`,
          },
    );

    // What the applied migrations should have left, from their shipped SQL.
    const appliedVersions = new Set(applied.map((row) => row.version));
    const expected = expectedObjects(
      migrations.filter((m) => appliedVersions.has(m.version)).map((m) => m.sql),
    );

    const tables = await relations(expected.tables);
    const missingTables = expected.tables.filter((t) => !tables.has(t));
    checks.push(
      missingTables.length === 0
        ? { name: "tables", status: "ok", detail: `${expected.tables.length} tables` }
        : {
            name: "tables",
            status: "fail",
            detail: `missing: ${missingTables.join(", ")} (dropped by hand? restore them from the migrations)`,
          },
    );

    const indexRows = await query<{ relname: string; valid: boolean; ready: boolean }>(
      `SELECT c.relname, i.indisvalid AS valid, i.indisready AS ready
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`,
      [name, [...expected.indexes]],
    );
    const indexes = new Map(indexRows.map((row) => [row.relname, row]));
    const missingIndexes = expected.indexes.filter((i) => !indexes.has(i));
    const invalid = indexRows.filter((row) => !row.valid || !row.ready).map((row) => row.relname);
    const indexProblems: string[] = [];
    if (missingIndexes.length > 0)
      indexProblems.push(
        `missing: ${missingIndexes.join(", ")} (create ${missingIndexes.length === 1 ? "it" : "them"} as the migrations do)`,
      );
    if (invalid.length > 0)
      indexProblems.push(
        `invalid: ${invalid.join(", ")} (left by a failed CREATE INDEX CONCURRENTLY: drop and create again)`,
      );
    checks.push(
      indexProblems.length === 0
        ? {
            name: "indexes",
            status: "ok",
            detail: `${expected.indexes.length} indexes: ${expected.indexes.join(", ")}`,
          }
        : { name: "indexes", status: "fail", detail: indexProblems.join("; ") },
    );

    const triggerRows = await query<{ tgname: string }>(
      `SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgname = ANY($2::text[])`,
      [name, [...expected.triggers]],
    );
    const triggers = new Set(triggerRows.map((row) => row.tgname));
    const missingTriggers = expected.triggers.filter((t) => !triggers.has(t));
    checks.push(
      missingTriggers.length === 0
        ? { name: "triggers", status: "ok", detail: expected.triggers.join(", ") || "none" }
        : { name: "triggers", status: "fail", detail: `missing: ${missingTriggers.join(", ")}` },
    );
  } catch (error) {
    checks.push({ name: "catalog", status: "fail", detail: messageOf(error) });
    return checks;
  }

  checks.push(await storeCheck(checks, store));
  return checks;
}
