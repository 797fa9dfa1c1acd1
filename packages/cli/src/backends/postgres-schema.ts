/**
 * What a PostgreSQL schema should hold after a set of migrations, read from
 * the SQL files `@coinage/postgres` ships, so `doctor` never drifts from
 * them; and how the applied migrations compare with the shipped ones. Pure.
 */
import type { Migration } from "@coinage/postgres";

export interface ExpectedObjects {
  readonly tables: readonly string[];
  readonly indexes: readonly string[];
  readonly triggers: readonly string[];
}

const CREATE_TABLE = /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi;
const CREATE_INDEX =
  /\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi;
const DROP_INDEX = /\bDROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(\w+)/gi;
const CREATE_TRIGGER = /\bCREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+(\w+)/gi;

/** The SQL without `--` comments (the files' comments name statements too). */
function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "");
}

/**
 * Tables, indexes and triggers the migrations leave, applied in order (an
 * index a later migration drops is not expected).
 */
export function expectedObjects(sqls: readonly string[]): ExpectedObjects {
  const tables = new Set<string>();
  const indexes = new Set<string>();
  const triggers = new Set<string>();
  for (const raw of sqls) {
    const sql = withoutComments(raw);
    // Statement order within a file: drops after creates, as 0003 creates then drops.
    const events: { at: number; kind: "table" | "index" | "drop" | "trigger"; name: string }[] = [];
    for (const [pattern, kind] of [
      [CREATE_TABLE, "table"],
      [CREATE_INDEX, "index"],
      [DROP_INDEX, "drop"],
      [CREATE_TRIGGER, "trigger"],
    ] as const) {
      for (const match of sql.matchAll(pattern))
        events.push({ at: match.index ?? 0, kind, name: (match[1] as string).toLowerCase() });
    }
    events.sort((a, b) => a.at - b.at);
    for (const event of events) {
      if (event.kind === "table") tables.add(event.name);
      else if (event.kind === "index") indexes.add(event.name);
      else if (event.kind === "drop") indexes.delete(event.name);
      else triggers.add(event.name);
    }
  }
  return { tables: [...tables], indexes: [...indexes], triggers: [...triggers] };
}

/** A row of `coinage_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

export interface MigrationState {
  /** Shipped migrations applied with the same checksum, in version order. */
  readonly current: readonly Migration[];
  /** Shipped migrations not applied yet. */
  readonly pending: readonly Migration[];
  /** Applied migrations whose checksum differs from the shipped file. */
  readonly edited: readonly AppliedMigration[];
  /** Applied migrations this version does not ship (a newer package applied them). */
  readonly unknown: readonly AppliedMigration[];
}

export function compareMigrations(
  shipped: readonly Migration[],
  applied: readonly AppliedMigration[],
): MigrationState {
  const byVersion = new Map(applied.map((row) => [row.version, row]));
  const known = new Set(shipped.map((migration) => migration.version));
  const current: Migration[] = [];
  const pending: Migration[] = [];
  const edited: AppliedMigration[] = [];
  for (const migration of shipped) {
    const row = byVersion.get(migration.version);
    if (row === undefined) pending.push(migration);
    else if (row.checksum !== migration.checksum) edited.push(row);
    else current.push(migration);
  }
  const unknown = applied.filter((row) => !known.has(row.version));
  return { current, pending, edited, unknown };
}
