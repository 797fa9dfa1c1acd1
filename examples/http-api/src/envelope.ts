/**
 * The response envelope of every endpoint, `{ response_code, response_message, payload }`,
 * and the one place that turns a failure into an HTTP status and a stable error code.
 */
import { CoinageError, type ErrorCode, errorCodes } from "@coinage/core";

export interface SuccessEnvelope<T> {
  readonly response_code: 0;
  readonly response_message: "Success";
  readonly payload: T;
}

export interface ErrorEnvelope {
  /** Non-zero: the HTTP status of the response. */
  readonly response_code: number;
  readonly response_message: string;
  /** Stable, machine-readable: a core error code or one of {@link httpErrorCodes}. */
  readonly code: string;
  readonly details?: unknown;
  readonly payload: null;
}

export function success<T>(payload: T): SuccessEnvelope<T> {
  return { response_code: 0, response_message: "Success", payload };
}

/** Error codes the HTTP layer adds to core's registry, with their sentence. */
export const httpErrorCodes = {
  UNAUTHORIZED: "Send a valid bearer token in the Authorization header.",
  FORBIDDEN_PROGRAM: "This token belongs to another program (companyId).",
  MALFORMED_JSON: "The request body is not valid JSON.",
  NOT_FOUND: "No such endpoint.",
  PAYLOAD_TOO_LARGE: "The request body is too large.",
  PREVIEW_NOT_BUILT: "The preview page has not been built.",
  INTERNAL: "Something went wrong on our side; it has been logged.",
} as const;

export type HttpErrorCode = keyof typeof httpErrorCodes;

/** HTTP status of each core error code. */
export const statusOfCoreCode: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  EVENT_NOT_FOUND: 404,
  REQUEST_NOT_FOUND: 404,
  EVENT_EXISTS: 409,
  IDEMPOTENCY_CONFLICT: 409,
  VERSION_CONFLICT: 409,
  EVENT_INACTIVE: 422,
  INSUFFICIENT_COINS: 422,
  NOT_REVERSIBLE: 422,
  REVERSAL_EXCEEDS_ORIGINAL: 422,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const statusOfHttpCode: Readonly<Record<HttpErrorCode, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN_PROGRAM: 403,
  MALFORMED_JSON: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  PREVIEW_NOT_BUILT: 503,
  INTERNAL: 500,
};

/** An error raised by the HTTP layer itself, answered as-is. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly code: HttpErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: HttpErrorCode, options: { message?: string; details?: unknown } = {}) {
    super(options.message ?? httpErrorCodes[code]);
    this.code = code;
    this.status = statusOfHttpCode[code];
    this.details = options.details;
  }
}

/** The status and envelope for any thrown value. Unknown errors become a bare 500. */
export function toErrorResponse(error: unknown): {
  status: number;
  body: ErrorEnvelope;
  unexpected: boolean;
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: envelope(error.status, error.message, error.code, error.details),
      unexpected: false,
    };
  }
  if (CoinageError.is(error)) {
    const status = statusOfCoreCode[error.code] ?? 500;
    // A store failure's or an internal failure's message may name hosts, drivers or
    // internals: log it, answer the sentence of the code.
    if (error.code === "STORE_UNAVAILABLE") {
      return {
        status,
        body: envelope(status, errorCodes.STORE_UNAVAILABLE, error.code, error.details),
        unexpected: true,
      };
    }
    if (error.code === "INTERNAL") {
      return {
        status,
        body: envelope(status, httpErrorCodes.INTERNAL, error.code, undefined),
        unexpected: true,
      };
    }
    return {
      status,
      body: envelope(status, error.message, error.code, error.details),
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: envelope(500, httpErrorCodes.INTERNAL, "INTERNAL", undefined),
    unexpected: true,
  };
}

function envelope(status: number, message: string, code: string, details: unknown): ErrorEnvelope {
  return details === undefined
    ? { response_code: status, response_message: message, code, payload: null }
    : { response_code: status, response_message: message, code, details, payload: null };
}
