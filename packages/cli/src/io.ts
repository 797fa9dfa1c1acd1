/**
 * What a run of the CLI talks to: its output streams, its environment and
 * its clock. `bin.ts` passes the process's; tests pass their own.
 */
export interface Io {
  /** Results: one JSON document with `--json`, lines of text otherwise. */
  stdout(text: string): void;
  /** Progress, warnings and error messages. */
  stderr(text: string): void;
  /** Where defaults come from (`DATABASE_URL`, `REDIS_URL`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch; `Date.now` when omitted. */
  now?(): number;
}

/** The exit codes scripts can rely on. */
export const ExitCode = {
  /** Done: the command succeeded, the store is healthy. */
  ok: 0,
  /** The command failed (store unreachable, a failed sweep, …) or the store is unhealthy. */
  failed: 1,
  /** The command line was wrong: unknown command or flag, missing or bad value, no store given. */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake on the command line: exit code 2, with the usage hint. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A command that could not do its work: exit code 1, with a code for `--json`. */
export class CommandFailure extends Error {
  override readonly name = "CommandFailure";
  /** `STORE_UNAVAILABLE` when the store could not be reached; coinage's codes otherwise. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
