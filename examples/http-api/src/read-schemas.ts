/**
 * Shapes of the v1 read routes added beside `schemas.ts`: a request's
 * status, the balance at an instant, the expiring-soon list and the change
 * feed.
 */

import {
  array,
  boolean,
  dateTime,
  enumOf,
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
import {
  allocation,
  balance,
  eventId,
  reason,
  redemption,
  requestId,
  reversal,
  userId,
} from "./schemas.js";

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

export const memberLevel = named(
  "MemberLevel",
  object({
    userId: string(),
    level: nullable(string()).describe("The highest level reached; null below the first."),
    qualifying: string().describe(
      "Coins earned from allocations in the window, less what was reversed of them.",
    ),
    window: object({
      months: integer(),
      first: string().describe("The window's first calendar month, e.g. 2026-01."),
      last: string().describe("Its last (the current) month, in the program's time zone."),
    }),
    next: nullable(
      object({
        level: string(),
        from: string(),
        missing: string().describe("Coins still to earn in the window to reach it."),
      }),
    ),
    asOf: dateTime(),
  }),
);

export const feedQuery = object(
  {
    after: optional(
      string({ minLength: 1, maxLength: 400 }).describe(
        "The `nextCursor` of the previous call; from the start of the feed when absent.",
      ),
    ),
    limit: optional(
      integer({ minimum: 1, maximum: 1000, fromString: true }).describe(
        "At most this many entries; 100 by default.",
      ),
    ),
    partition: optional(
      string({
        pattern: /^\d{1,2}\/\d{1,2}$/,
        patternHint: 'expected "index/count", such as "0/2"',
      }).describe(
        "`index/count`: only the entries of the users in partition `index` of `count` (1 to 64), by a stable hash of the user id, so that workers split the feed.",
      ),
    ),
  },
  lenient,
);

export const feedPage = named(
  "FeedPage",
  object({
    items: array(
      object({
        userId: string(),
        position: string().describe("Where the entry stands in the feed (opaque)."),
        seq: integer(),
        type: enumOf(["earn", "redeem", "expire", "reverse", "restore", "adjust"]),
        coins: string(),
        balanceAfter: string(),
        debtAfter: string(),
        requestId: nullable(string()),
        lots: array(object({ lotId: integer(), coins: string() })),
        event: nullable(string()),
        at: dateTime(),
        reason: nullable(string()),
      }),
    ),
    nextCursor: nullable(
      string().describe(
        "Where to continue from: store it once the items are handled and pass it as `after`. The same `after` when nothing is new; null only for an empty feed read from the start.",
      ),
    ),
  }).describe(
    "Entries of every user in commit order, each exactly once. A page may hold fewer than `limit` entries; an empty one means nothing new yet.",
  ),
);

export const liabilityQuery = object(
  {
    at: optional(
      dateTime().describe(
        "Which lots count as pending or expired: at this instant (now by default; never earlier).",
      ),
    ),
  },
  lenient,
);

export const liability = named(
  "Liability",
  object({
    asOf: dateTime(),
    available: string().describe("Coins members can spend."),
    pending: string().describe("Coins earned, not yet spendable."),
    outstanding: string().describe("available + pending: the coins the program owes."),
    value: string().describe("outstanding at the program's coin value."),
    debt: string().describe("Coins members owe back."),
    earned: string(),
    redeemed: string(),
    expired: string().describe("Breakage: expired coins, swept or not yet."),
    reversed: string(),
    restored: string(),
    adjusted: string().describe("Manual corrections, signed."),
  }).describe(
    "Totals since the program began, kept by every commit (never a scan of accounts): earned + adjusted − redeemed − expired − reversed + restored = outstanding − debt.",
  ),
);

export const erasure = named(
  "Erasure",
  object({
    pseudonym: string().describe("The random id the account's rows now stand under."),
    forfeited: string().describe("Coins the account held, booked as expired."),
    debt: string().describe("Debt kept under the pseudonym."),
    erasedAt: dateTime(),
  }),
);

export const referralBody = object({
  referrer: userId.describe("The user who referred: earns `event`."),
  referee: userId.describe("The user referred (not the referrer): earns `refereeEvent`."),
  event: eventId.describe("The referrer's bonus event (its per-user caps cap the referrer)."),
  refereeEvent: eventId.describe("The referee's welcome bonus event."),
  requestId: requestId.describe("The referral's id; the referrer's allocation is booked under it."),
  refereeRequestId: optional(
    requestId.describe("The referee's allocation's request id; `<requestId>:referee` by default."),
  ),
  reason: optional(reason),
});

export const referral = named(
  "Referral",
  object({
    requestId: string(),
    referrer: allocation,
    referee: allocation,
    replayed: boolean(),
  }),
);
