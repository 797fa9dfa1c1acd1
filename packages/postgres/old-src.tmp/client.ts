/**
 * The adapter layer: the three kinds of client coinage accepts, reduced to one
 * small `Driver` with autocommit queries and transactions.
 *
 * Only the surface coinage calls is typed, so `pg` stays an optional peer:
 * - a `pg.Pool` (or anything with `query` and a `connect()` that checks out a
 *   client with `query` and `release`): each transaction on its own connection;
 * - a single connected `pg.Client`: one connection cannot hold two
 *   transactions, so every call on it is serialised;
 * - a `@electric-sql/pglite` instance: `transaction(fn)`, which PGlite
 *   serialises itself.
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

/** A row as a plain object; every value coinage reads is cast in SQL to a stable type. */
export type Row = Record<string, unknown>;

/** One open connection inside a transaction. */
export interface Connection {
  query(text: string, values?: readonly unknown[]): Promise<Row[]>;
  /** Run a script of several statements (no parameters). */
  script(sql: string): Promise<void>;
}

export interface Driver {
  readonly kind: "pool" | "client" | "pglite";
  /** One statement in its own (implicit) transaction. */
  query(text: string, values?: readonly unknown[]): Promise<Row[]>;
  /**
   * Run `fn` inside `BEGIN … COMMIT` at READ COMMITTED. If `fn` throws, the
   * transaction is rolled back and the error rethrown.
   */
  transaction<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
}

/** Normalise a pool, a client or a PGlite instance into a `Driver`. */
export function toDriver(client: PostgresClient): Driver {
  if (client === null || typeof client !== "object" || typeof client.query !== "function") {
    throw new TypeError(
      "postgresStore: `pool` must be a pg.Pool, a connected pg.Client or a PGlite instance",
    );
  }
  if (isPGlite(client)) return pgliteDriver(client);
  if (isPool(client)) return poolDriver(client);
  return clientDriver(client);
}

function isPGlite(client: PostgresClient): client is PGliteLike {
  return typeof (client as Partial<PGliteLike>).transaction === "function";
}

/**
 * A `pg.Client` also has `connect()`, but it opens the connection instead of
 * checking one out. Pools are told apart by their counters.
 */
function isPool(client: PostgresClient): client is PoolLike {
  const candidate = client as Partial<PoolLike> & { totalCount?: unknown; idleCount?: unknown };
  return (
    typeof candidate.connect === "function" &&
    typeof (client as Partial<PoolClientLike>).release !== "function" &&
    (typeof candidate.totalCount === "number" || typeof candidate.idleCount === "number")
  );
}

const BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED";

function rowsOf(result: QueryResultLike): Row[] {
  return result.rows as Row[];
}

function pgConnection(client: Queryable): Connection {
  return {
    async query(text, values) {
      return rowsOf(await client.query(text, values === undefined ? undefined : [...values]));
    },
    async script(sql) {
      // Without parameters node-postgres uses the simple protocol, which runs several statements.
      await client.query(sql);
    },
  };
}

function poolDriver(pool: PoolLike): Driver {
  return {
    kind: "pool",
    async query(text, values) {
      return rowsOf(await pool.query(text, values === undefined ? undefined : [...values]));
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | boolean = false;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on?.("error", onError);
      try {
        return await runTransaction(pgConnection(client), client, fn);
      } catch (error) {
        if (isConnectionError(error)) broken = error instanceof Error ? error : true;
        throw error;
      } finally {
        client.removeListener?.("error", onError);
        client.release(broken);
      }
    },
  };
}

function clientDriver(client: Queryable): Driver {
  const connection = pgConnection(client);
  const mutex = new Mutex();
  return {
    kind: "client",
    query: (text, values) => mutex.run(() => connection.query(text, values)),
    transaction: (fn) => mutex.run(() => runTransaction(connection, client, fn)),
  };
}

async function runTransaction<T>(
  connection: Connection,
  client: Queryable,
  fn: (connection: Connection) => Promise<T>,
): Promise<T> {
  await client.query(BEGIN);
  let result: T;
  try {
    result = await fn(connection);
  } catch (error) {
    if (!isConnectionError(error)) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        // The connection is gone; the server rolls back on its own.
        if (!isConnectionError(rollbackError)) throw rollbackError;
      }
    }
    throw error;
  }
  await client.query("COMMIT");
  return result;
}

function pgliteDriver(db: PGliteLike): Driver {
  const wrap = (target: Queryable & { exec(sql: string): Promise<unknown> }): Connection => ({
    async query(text, values) {
      return rowsOf(await target.query(text, values === undefined ? undefined : [...values]));
    },
    async script(sql) {
      await target.exec(sql);
    },
  });
  const outside = wrap(db);
  return {
    kind: "pglite",
    query: (text, values) => outside.query(text, values),
    // PGlite runs one transaction at a time and queues the rest.
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
  };
}

/** Runs async functions one after another. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTCONN",
  "ECONNABORTED",
]);

const CONNECTION_ERROR_MESSAGES =
  /connection terminated|connection error|client was closed|not queryable|cannot use a pool after calling end|timeout exceeded when trying to connect|query read timeout|pglite is closed|socket hang up/i;

/** SQLSTATE of a server error, when there is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The connection itself failed: it cannot be used again. A failed connect to
 * a name with several addresses arrives as an `AggregateError` of one
 * failure per address.
 */
export function isConnectionError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isConnectionError)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  const state = sqlState(error);
  if (state !== undefined)
    return state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03";
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" && CONNECTION_ERROR_MESSAGES.test(message);
}

/**
 * The database could not be reached or did not answer in time: a lost
 * connection, a timeout or cancellation, exhausted resources.
 */
export function isUnavailableError(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const state = sqlState(error);
  if (state === undefined) return false;
  return (
    state === "57014" || // query_canceled (statement_timeout)
    state === "55P03" || // lock_not_available (lock_timeout)
    state === "25P03" || // idle_in_transaction_session_timeout
    // in_failed_sql_transaction: an earlier statement of the transaction was
    // cancelled (a timeout racing the next statement); it is rolled back whole.
    state === "25P02" ||
    state.startsWith("53") || // insufficient resources
    state === "40001" ||
    state === "40P01"
  );
}

/** Worth running the whole transaction again. */
export function isRetryableError(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40001" || state === "40P01";
}
