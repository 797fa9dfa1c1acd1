/**
 * Observing the engine: one record per public call (operation, program,
 * store; then how it ended: outcome, error code, replayed, coins, duration).
 * Core imports no tracing library: `openTelemetry(tracer)` drives whatever
 * tracer the application passes in (from `@opentelemetry/api`, an optional
 * peer), and `logCalls(log)` hands each finished call to a logger. When no
 * instrumentation is given, the engine's calls are not wrapped at all.
 */
import type { ErrorCode } from "../errors.js";

/** A public call as it starts. */
export interface CallStart {
  /** `allocate`, `redeem`, `events.create`, … */
  readonly operation: string;
  readonly programId: string;
  /** The store's `name`. */
  readonly store: string;
}

/** How a public call ended. */
export interface CallEnd {
  readonly outcome: "ok" | "error";
  /** The `CoinageError` code of a failed call. */
  readonly code?: ErrorCode;
  /** A write's result: whether it repeated an earlier call. */
  readonly replayed?: boolean;
  /** A write's result: its coins. */
  readonly coins?: string;
  readonly durationMs: number;
}

export interface Instrumentation {
  /**
   * Called as a public call starts. The function it returns, if any, is
   * called once when the call has ended. A hook that throws is ignored: it
   * never changes the call's outcome.
   */
  onCall(call: CallStart): ((end: CallEnd) => void) | undefined;
}

/** The part of an OpenTelemetry `Tracer` (`@opentelemetry/api`) this uses. */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { attributes?: Record<string, string | number | boolean> },
  ): {
    setAttribute(key: string, value: string | number | boolean): unknown;
    setStatus(status: { code: number; message?: string }): unknown;
    end(): void;
  };
}

/** `SpanStatusCode.ERROR` of `@opentelemetry/api` (a stable part of its API). */
const SPAN_STATUS_ERROR = 2;

/**
 * One span per call, `coinage.<operation>`, with the attributes
 * `coinage.program`, `coinage.store`, and at its end `coinage.outcome`,
 * `coinage.replayed`, `coinage.coins` or `coinage.error.code`:
 *
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * createCoinage({ store, program, instrumentation: openTelemetry(trace.getTracer("coinage")) });
 * ```
 */
export function openTelemetry(tracer: TracerLike): Instrumentation {
  return {
    onCall(call) {
      const span = tracer.startSpan(`coinage.${call.operation}`, {
        attributes: { "coinage.program": call.programId, "coinage.store": call.store },
      });
      return (end) => {
        span.setAttribute("coinage.outcome", end.outcome);
        if (end.replayed !== undefined) span.setAttribute("coinage.replayed", end.replayed);
        if (end.coins !== undefined) span.setAttribute("coinage.coins", end.coins);
        if (end.code !== undefined) {
          span.setAttribute("coinage.error.code", end.code);
          span.setStatus({ code: SPAN_STATUS_ERROR, message: end.code });
        }
        span.end();
      };
    },
  };
}

/** What `logCalls` hands its logger for each finished call. */
export type CallLog = CallStart & CallEnd;

/** Hands each finished call to `log` (a logger's method, a metrics counter, …). */
export function logCalls(log: (record: CallLog) => void): Instrumentation {
  return { onCall: (call) => (end) => log({ ...call, ...end }) };
}
