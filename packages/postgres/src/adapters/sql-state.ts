/**
 * coinage tells a lost connection, a deadlock or a timeout by the SQLSTATE
 * in an error's `code`, as `pg` reports it. Libraries that report failures
 * their own way are brought to that form here.
 */

/** SQLSTATEs a client reports for a connection it could not open or lost. */
export const UNABLE_TO_CONNECT = "08001";
export const CONNECTION_FAILURE = "08006";

/** The library's error, carried as the `cause` of one whose `code` is the SQLSTATE. */
export function withSqlState(error: unknown, code: string, message: string): Error {
  return Object.assign(new Error(message, { cause: error }), { code });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
