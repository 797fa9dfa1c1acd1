/**
 * The one error type of coinage. Every failure that crosses the public API is
 * a `CoinageError` whose `code` comes from {@link errorCodes}; `details`
 * carries the data a caller needs to act on it, typed per code.
 */

/** One registry of every error code, each with the sentence a person reads. */
export const errorCodes = {
  INVALID_INPUT: "The input is not valid.",
  EVENT_NOT_FOUND: "No coin event with this id exists in the program.",
  EVENT_EXISTS: "A coin event with this id already exists in the program.",
  EVENT_INACTIVE: "The coin event is not active at this time.",
  INSUFFICIENT_COINS: "The account does not hold enough available coins.",
  IDEMPOTENCY_CONFLICT: "This requestId was already used with a different payload.",
  VERSION_CONFLICT: "The coin event was changed by someone else; reload it and try again.",
  REQUEST_NOT_FOUND: "No booked request with this requestId exists in the program.",
  NOT_REVERSIBLE: "This request cannot be reversed.",
  REVERSAL_EXCEEDS_ORIGINAL: "The reversal asks for more coins than are left to reverse.",
  STORE_UNAVAILABLE: "The store could not be reached or did not answer in time.",
  INTERNAL:
    "Something failed inside coinage or its store that is not an outage; retrying will not help.",
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One validation problem: where it is (a field path) and what is wrong. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

/** The data each code carries. */
export interface ErrorDetails {
  INVALID_INPUT: { issues: readonly InputIssue[] };
  EVENT_NOT_FOUND: { eventId: string };
  EVENT_EXISTS: { eventId: string };
  EVENT_INACTIVE: {
    eventId: string;
    reason: "paused" | "archived" | "before_window" | "after_window";
  };
  INSUFFICIENT_COINS: { userId: string; available: string; requested: string };
  IDEMPOTENCY_CONFLICT: { requestId: string };
  VERSION_CONFLICT: { eventId: string; expectedVersion: number; actualVersion: number };
  REQUEST_NOT_FOUND: { requestId: string };
  /** `by: "amount"`: a refund by amount of a request booked without one (or not an allocation). */
  NOT_REVERSIBLE: { requestId: string; kind: string; by?: "amount" };
  /** `unit: "amount"`: `remaining` and `requested` are purchase amounts (a refund by amount), not coins. */
  REVERSAL_EXCEEDS_ORIGINAL: {
    requestId: string;
    remaining: string;
    requested: string;
    unit?: "amount";
  };
  /**
   * `retry: "transaction"`: the call ran inside the caller's transaction
   * (`withTransaction`); roll back that whole transaction and run it again
   * (retrying the call alone inside it is not enough).
   */
  STORE_UNAVAILABLE: { operation: string; retry?: "transaction" };
  /** A failure that is neither the caller's input nor the store's backend (a bug, a corrupt record); `cause` holds it. */
  INTERNAL: { operation: string };
}

/**
 * The mark every `CoinageError` carries, registered globally: an error made
 * by another copy of this package (the ESM and the CJS build side by side,
 * or two versions in one dependency tree) is recognised too.
 */
const MARK: unique symbol = Symbol.for("@coinage/core.CoinageError") as never;

/**
 * A `CoinageError` of any code, as a union discriminated by `code`: after
 * `switch (error.code)` or `if (error.code === "…")`, `details` has that
 * code's type. `isCoinageError` narrows to it.
 */
export type AnyCoinageError = { [C in ErrorCode]: CoinageError<C> }[ErrorCode];

export class CoinageError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = "CoinageError";
  readonly code: C;
  readonly details: ErrorDetails[C];

  constructor(code: C, details: ErrorDetails[C], options?: { message?: string; cause?: unknown }) {
    super(
      options?.message ?? messageOf(code, details),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.details = details;
  }

  /** Also true for errors made by another copy of the package (see `isCoinageError`). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isMarked(value);
  }

  /** Narrow an unknown value to a `CoinageError`, optionally of one code. */
  static is<C extends ErrorCode>(value: unknown, code?: C): value is CoinageError<C> {
    return isMarked(value) && (code === undefined || value.code === code);
  }

  toJSON(): { code: C; message: string; details: ErrorDetails[C] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

Object.defineProperty(CoinageError.prototype, MARK, { value: true });

function isMarked(value: unknown): value is AnyCoinageError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [MARK]?: unknown })[MARK] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/**
 * Whether `value` is a `CoinageError` (from any copy of the package), as the
 * union discriminated by `code`:
 *
 * ```ts
 * if (isCoinageError(error)) {
 *   switch (error.code) {
 *     case "INSUFFICIENT_COINS": return error.details.available; // typed
 *   }
 * }
 * ```
 */
export function isCoinageError(value: unknown): value is AnyCoinageError {
  return isMarked(value);
}

/** The default message: the code's sentence, naming what it is about when details say. */
function messageOf<C extends ErrorCode>(code: C, details: ErrorDetails[C]): string {
  const d = details as Partial<Record<string, unknown>>;
  const quoted = (value: unknown) => JSON.stringify(String(value));
  switch (code) {
    case "EVENT_NOT_FOUND":
      return `No coin event ${quoted(d.eventId)} exists in the program.`;
    case "EVENT_EXISTS":
      return `A coin event ${quoted(d.eventId)} already exists in the program.`;
    case "EVENT_INACTIVE":
      return `The coin event ${quoted(d.eventId)} is not active at this time (${String(d.reason).replace("_", " ")}).`;
    case "IDEMPOTENCY_CONFLICT":
      return `The requestId ${quoted(d.requestId)} was already used with a different payload.`;
    case "REQUEST_NOT_FOUND":
      return `No booked request with the requestId ${quoted(d.requestId)} exists in the program.`;
    case "NOT_REVERSIBLE":
      return d.by === "amount"
        ? `The request ${quoted(d.requestId)} (${String(d.kind)}) cannot be refunded by amount: it is not an allocation booked with an amount. Reverse it by coins.`
        : `The request ${quoted(d.requestId)} (${String(d.kind)}) cannot be reversed.`;
    case "VERSION_CONFLICT":
      return `The coin event ${quoted(d.eventId)} is at version ${String(d.actualVersion)}, not ${String(d.expectedVersion)}: reload it and try again.`;
    case "INSUFFICIENT_COINS":
      return `The account ${quoted(d.userId)} holds ${String(d.available)} available coins, fewer than the ${String(d.requested)} asked for.`;
    case "REVERSAL_EXCEEDS_ORIGINAL":
      return d.unit === "amount"
        ? `The refund of ${quoted(d.requestId)} asks for an amount of ${String(d.requested)}; ${String(d.remaining)} of the purchase is left to refund.`
        : `The reversal of ${quoted(d.requestId)} asks for ${String(d.requested)} coins; ${String(d.remaining)} are left to reverse.`;
    default:
      return errorCodes[code];
  }
}

/** Build an `INVALID_INPUT` error from one or more issues. */
export function invalidInput(
  issues: readonly InputIssue[] | InputIssue,
): CoinageError<"INVALID_INPUT"> {
  const list = Array.isArray(issues) ? issues : [issues as InputIssue];
  const first = list[0];
  const message =
    first === undefined
      ? errorCodes.INVALID_INPUT
      : `Invalid input at ${first.path || "(root)"}: ${first.message}${list.length > 1 ? ` (and ${list.length - 1} more)` : ""}`;
  return new CoinageError("INVALID_INPUT", { issues: list }, { message });
}
