/**
 * What a driver error means for the caller: the connection is gone, the
 * database is unavailable, or the transaction may simply run again; and the
 * typed errors the store reports for them.
 */
import { CoinageError } from "@coinage/core";

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

/** A deadlock or serialization failure: worth running the whole transaction again. */
export function isRetryableError(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40001" || state === "40P01";
}

/** Internal: the store's transaction should run again from the start (a race it lost). */
export class RetryTransaction extends Error {
  override readonly name = "RetryTransaction";
}

/** Internal: the database refused a batch's combined write (a constraint caught a bad decision). */
export class BatchWriteRefused extends Error {
  override readonly name = "BatchWriteRefused";
}

export const STORE_NAME = "postgres";

/**
 * `STORE_UNAVAILABLE` for a backend failure. Inside the caller's
 * transaction (`inCallerTransaction`) the details say `retry: "transaction"`:
 * the command was undone to its savepoint, and what is left to do is roll
 * back the whole transaction and run it again (a deadlock or a serialization
 * failure involves the caller's own statements too; a lost connection took
 * the whole transaction with it).
 */
export function unavailable(
  operation: string,
  error: unknown,
  inCallerTransaction: boolean,
): CoinageError<"STORE_UNAVAILABLE"> {
  const advice = inCallerTransaction ? "; roll back the whole transaction and run it again" : "";
  return new CoinageError(
    "STORE_UNAVAILABLE",
    inCallerTransaction ? { operation, retry: "transaction" } : { operation },
    {
      message: `${STORE_NAME} store: ${operation} failed: ${messageOf(error)}${advice}`,
      cause: error,
    },
  );
}

/** Backend failures as `STORE_UNAVAILABLE`; coinage's own errors and anything else as they are. */
export function asStoreError(
  operation: string,
  error: unknown,
  inCallerTransaction: boolean,
): unknown {
  if (error instanceof CoinageError || error instanceof BatchWriteRefused) return error;
  if (error instanceof RetryTransaction || isUnavailableError(error)) {
    return unavailable(operation, error, inCallerTransaction);
  }
  return error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
