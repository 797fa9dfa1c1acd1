/**
 * A route is data: method, path, the schemas of its inputs and payload, and a
 * handler that receives validated inputs. The app registers the list with
 * Hono; `openapi.ts` renders the same list. A route cannot be served without
 * being documented, nor documented with other shapes than it enforces.
 */
import type { Coinage } from "@coinage/core";
import type { Schema } from "../schema.js";

export type Method = "get" | "post" | "patch";

export interface RouteContext<B, Q, P> {
  /** The engine of the token's program. */
  readonly coinage: Coinage;
  /** The token's program id (the seed's companyId). */
  readonly programId: string;
  readonly body: B;
  readonly query: Q;
  readonly params: P;
}

export interface RouteSpec<B, Q, P, R> {
  readonly method: Method;
  /** OpenAPI path template, e.g. `/api/v0/enkash-coins/{coinConfigId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly body?: Schema<B>;
  readonly query?: Schema<Q>;
  readonly params?: Schema<P>;
  /** The success payload (inside the envelope). */
  readonly payload: Schema<R>;
  /**
   * The route is a write idempotent on `requestId`: an `Idempotency-Key`
   * header may carry it instead of the body, and a replay is answered with
   * `Idempotent-Replayed: true`.
   */
  readonly idempotencyKey?: boolean;
  /** Error statuses this route can answer besides 400/401/503, for the docs. */
  readonly errors?: readonly number[];
  handler(context: RouteContext<B, Q, P>): Promise<R>;
}

/** A route with its type parameters erased, for lists. */
export type Route = RouteSpec<unknown, unknown, unknown, unknown>;

/** Declare a route; the handler's inputs are typed by the schemas. */
export function defineRoute<B = undefined, Q = undefined, P = undefined, R = unknown>(
  spec: RouteSpec<B, Q, P, R>,
): Route {
  return spec as unknown as Route;
}
