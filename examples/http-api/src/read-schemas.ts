/**
 * Shapes of the v1 read routes added beside `schemas.ts`: a request's
 * status, the balance at an instant, and the expiring-soon list.
 */

import {
  array,
  boolean,
  dateTime,
  integer,
  literal,
  named,
  nullable,
  object,
  optional,
  type Schema,
  string,
  tagged,
} from "./schema.js";
import { allocation, balance, redemption, requestId, reversal } from "./schemas.js";

/** Query objects ignore parameters they do not know (cache busters, tracing). */
const lenient = { allowUnknown: true } as const;

export const requestParams = object({
  requestId: requestId.describe(
    "The requestId of an allocation, redemption, reversal or adjustment.",
  ),
});

const adjustment = named(
  "Adjustment",
  object({
    requestId: string(),
    coins: string(),
    lots: array(object({ lotId: integer(), coins: string() })),
    balance,
    replayed: boolean(),
  }),
);

/** The fields every kind of request status shares, with its kind and first result. */
function statusOf<const K extends string, R>(kind: K, result: Schema<R>) {
  return object({
    requestId: string(),
    kind: literal(kind),
    userId: string(),
    at: dateTime().describe("When it was booked."),
    coins: string().describe(
      "Coins it booked: earned (allocate), spent (redeem), moved (reverse, adjust).",
    ),
    reversed: string().describe("Of those, coins reversed since; 0 for a reversal or adjustment."),
    amount: optional(string().describe("For an allocation booked with an amount: that amount.")),
    refunded: optional(
      string().describe("For an allocation booked with an amount: how much of it was refunded."),
    ),
    result,
  });
}

export const requestStatus = named(
  "RequestStatus",
  tagged("kind", {
    allocate: statusOf("allocate", allocation),
    redeem: statusOf("redeem", redemption),
    reverse: statusOf("reverse", reversal),
    adjust: statusOf("adjust", adjustment),
  }).describe("A booked write by its requestId, with its reversal progress and first result."),
);

export const balanceQuery = object(
  {
    at: optional(
      dateTime().describe(
        "The balance at this instant: for a past one, as it stood then (from the history); for a future one, what it will be with nothing else happening. Now by default.",
      ),
    ),
  },
  lenient,
);

export const expiringQuery = object(
  {
    before: dateTime().describe(
      "List coins that expire after now and at or before this instant (e.g. now + 7 days).",
    ),
    limit: optional(
      integer({ minimum: 1, maximum: 500, fromString: true }).describe("Page size; 50 by default."),
    ),
    cursor: optional(
      string({ minLength: 1, maxLength: 400 }).describe("The `nextCursor` of the previous page."),
    ),
  },
  lenient,
);

export const expiringPage = named(
  "ExpiringPage",
  object({
    items: array(
      object({
        userId: string(),
        coins: string().describe("The user's coins (spendable or pending) expiring in the window."),
        earliest: dateTime().describe("The earliest of their expiries."),
      }),
    ),
    nextCursor: nullable(string()),
  }).describe(
    "Users by their earliest expiry, then id. A page may hold fewer than `limit` users; follow `nextCursor` until it is null.",
  ),
);
