/**
 * The shapes of the clients coinage accepts. Only the surface coinage calls
 * is typed, so `pg` stays an optional peer:
 * - a `pg.Pool` (or anything with `query` and a `connect()` that checks out a
 *   client with `query` and `release`): each transaction on its own connection;
 * - a single connected `pg.Client`: one connection cannot hold two
 *   transactions, so every call on it is serialised;
 * - a `@electric-sql/pglite` instance: `transaction(fn)`, which PGlite
 *   serialises itself;
 * - for `withTransaction`, any `Queryable` that is inside an open transaction:
 *   a `pg` client after `BEGIN`, the transaction object PGlite hands to
 *   `transaction(fn)`, or an adapter over another library's transaction.
 */

/** A result as every supported client returns it. */
export interface QueryResultLike {
  readonly rows: readonly unknown[];
}

/** Anything that runs one statement with positional parameters (`$1`, `$2`, …). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<QueryResultLike>;
}

/** A connection checked out of a pool. */
export interface PoolClientLike extends Queryable {
  release(destroy?: boolean | Error): void;
  /**
   * node-postgres emits `error` on a checked-out client whose connection
   * dies; with no listener that would crash the process. The store listens
   * while it holds the client (the failure reaches it through the query).
   */
  on?(event: "error", listener: (error: Error) => void): unknown;
  removeListener?(event: "error", listener: (error: Error) => void): unknown;
}

/** `pg.Pool`, or any pool with the same two methods. */
export interface PoolLike extends Queryable {
  connect(): Promise<PoolClientLike>;
}

/** The transaction object PGlite hands to `transaction(fn)`. */
export interface PGliteTransactionLike extends Queryable {
  exec(sql: string): Promise<unknown>;
}

/** A `@electric-sql/pglite` instance. */
export interface PGliteLike extends Queryable {
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
}

/** What `postgresStore({ pool })` and `migrate(pool)` accept. */
export type PostgresClient = PoolLike | PGliteLike | Queryable;

/** A row as a plain object; every value coinage reads is cast in SQL to text. */
export type Row = Record<string, unknown>;

/**
 * The members of a node-postgres client (`pg.Client`, a pool's client) that
 * coinage uses beyond `query(text, values)`: named prepared statements
 * (`query({ name, text, values })`) and the transaction status the server
 * reported last (`getTransactionStatus()`, pg ≥ 8.16: `"I"` idle, `"T"` in a
 * transaction, `"E"` in a failed one).
 */
export interface PgClientLike extends Queryable {
  query(
    config: { name?: string; text: string; values?: unknown[] } | string,
    values?: unknown[],
  ): Promise<QueryResultLike>;
  escapeIdentifier(value: string): string;
  getTransactionStatus?(): string | null;
}

/** A node-postgres client: it takes named statements. */
export function isPgClient(client: unknown): client is PgClientLike {
  const candidate = client as Partial<PgClientLike> | null;
  return (
    candidate !== null &&
    typeof candidate === "object" &&
    typeof candidate.query === "function" &&
    typeof candidate.escapeIdentifier === "function" &&
    typeof (candidate as { connect?: unknown }).connect === "function"
  );
}

export function isPGlite(client: unknown): client is PGliteLike {
  return typeof (client as Partial<PGliteLike> | null)?.transaction === "function";
}

/**
 * A pool. A `pg.Client` also has `connect()`, but it opens the connection
 * instead of checking one out: pools are told apart by their counters.
 */
export function isPool(client: unknown): client is PoolLike {
  const candidate = client as Partial<PoolLike> & { totalCount?: unknown; idleCount?: unknown };
  return (
    typeof candidate?.connect === "function" &&
    !isPoolClient(client) &&
    (typeof candidate.totalCount === "number" || typeof candidate.idleCount === "number")
  );
}

/** A connection checked out of a pool (`pg.PoolClient`): it has `release`. */
export function isPoolClient(client: unknown): client is PoolClientLike {
  return typeof (client as Partial<PoolClientLike> | null)?.release === "function";
}

export function isQueryable(client: unknown): client is Queryable {
  return (
    client !== null &&
    typeof client === "object" &&
    typeof (client as Partial<Queryable>).query === "function"
  );
}
