/**
 * What the library adds beyond the seed (`/api/v1`): redemption, reversal,
 * history, balance details, dry-run previews, bulk allocation, the expiry
 * sweep, and listing events. Coins and amounts are decimal strings.
 */

import {
  balanceQuery,
  erasure,
  expiringPage,
  expiringQuery,
  feedPage,
  feedQuery,
  liability,
  liabilityQuery,
  memberLevel,
  referral,
  referralBody,
  requestParams,
  requestStatus,
} from "../read-schemas.js";
import {
  allocateManyBody,
  balance,
  bulkResults,
  coinEvent,
  eventPage,
  eventParams,
  expireBody,
  expireResult,
  historyPage,
  pageQuery,
  preview,
  previewBody,
  redeemBody,
  redemption,
  reversal,
  reverseBody,
  userParams,
} from "../schemas.js";
import { defineRoute, type Route } from "./route.js";

/** Drop absent optional fields (the engine's inputs are exact-optional). */
function defined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const v1Routes: readonly Route[] = [
  defineRoute({
    method: "get",
    path: "/api/v1/events",
    operationId: "listEvents",
    summary: "List coin events",
    description: "The program's events ordered by id, paged by cursor.",
    tags: ["v1 events"],
    query: pageQuery,
    payload: eventPage,
    async handler({ coinage, query }) {
      return coinage.events.list(defined({ limit: query.limit, cursor: query.cursor }));
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/events/{eventId}",
    operationId: "getCoinEvent",
    summary: "Get a coin event as the library stores it",
    tags: ["v1 events"],
    params: eventParams,
    payload: coinEvent,
    errors: [404],
    async handler({ coinage, params }) {
      return coinage.events.get(params.eventId);
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/preview",
    operationId: "previewAllocation",
    summary: "Preview an allocation (dry run)",
    description:
      "What `allocate` would give this user now, with the user's real cap usage, and why. Writes nothing.",
    tags: ["v1 ledger"],
    body: previewBody,
    payload: preview,
    errors: [404, 422],
    async handler({ coinage, body }) {
      return coinage.preview(
        defined({ userId: body.userId, event: body.event, amount: body.amount }),
      );
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/allocations/bulk",
    operationId: "allocateMany",
    summary: "Allocate coins in bulk",
    description:
      "Each item is allocated on its own and is idempotent on its requestId; the answer holds one result or error per item, in order.",
    tags: ["v1 ledger"],
    body: allocateManyBody,
    payload: bulkResults,
    async handler({ coinage, body }) {
      return coinage.allocateMany(body.items.map((item) => defined(item)));
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/redeem",
    operationId: "redeemCoins",
    idempotencyKey: true,
    summary: "Redeem coins",
    description:
      "Spends coins earliest expiry first. Idempotent on requestId. Not enough available coins is 422 INSUFFICIENT_COINS and changes nothing.",
    tags: ["v1 ledger"],
    body: redeemBody,
    payload: redemption,
    errors: [409, 422],
    async handler({ coinage, body }) {
      return coinage.redeem(defined(body));
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/reverse",
    operationId: "reverseRequest",
    idempotencyKey: true,
    summary: "Reverse an allocation or a redemption",
    description:
      "Reversing an allocation (a refund) takes its coins back, whole or part; reversing a redemption (a cancelled order) puts the coins back into their lots. Idempotent on requestId.",
    tags: ["v1 ledger"],
    body: reverseBody,
    payload: reversal,
    errors: [404, 409, 422],
    async handler({ coinage, body }) {
      return coinage.reverse(defined(body));
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/users/{userId}/balance",
    operationId: "getBalanceDetails",
    summary: "Balance details",
    description: "Available, pending and debt coins, their value, and the next expiry.",
    tags: ["v1 ledger"],
    params: userParams,
    query: balanceQuery,
    payload: balance,
    async handler({ coinage, params, query }) {
      return coinage.balance(
        params.userId,
        query.at === undefined ? {} : { at: new Date(query.at) },
      );
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/referrals",
    operationId: "bookReferral",
    summary: "Book a referral pair",
    description:
      "The referrer's bonus and the referee's welcome bonus, booked together as one idempotent request: both or neither. Each is an allocation of its own (reversible alone). A self-referral is 400 INVALID_INPUT; a store that cannot book two accounts together (Redis) answers 400 as well.",
    tags: ["v1 ledger"],
    body: referralBody,
    payload: referral,
    errors: [400, 404, 409, 422],
    async handler({ coinage, body }) {
      return coinage.referral(defined(body));
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/users/{userId}/erase",
    operationId: "eraseUser",
    summary: "Erase a user",
    description:
      "The right to be forgotten: the user's remaining coins are forfeited (booked as expired) and every stored row of the account moves to a random pseudonym, without free-text reasons; amounts stay for the books. The same userId afterwards is a fresh account. 400 INVALID_INPUT on a store that cannot erase (Redis).",
    tags: ["v1 ledger"],
    params: userParams,
    payload: erasure,
    errors: [400],
    async handler({ coinage, params }) {
      return coinage.erase(params.userId);
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/liability",
    operationId: "getLiability",
    summary: "Program liability",
    description:
      "The program's outstanding coins (available and pending) and their value, its debt, and the totals earned, redeemed, expired, reversed, restored and adjusted, for the month-end books. Read from counters every commit keeps.",
    tags: ["v1 ledger"],
    query: liabilityQuery,
    payload: liability,
    errors: [400],
    async handler({ coinage, query }) {
      return coinage.liability(query.at === undefined ? {} : { at: new Date(query.at) });
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/users/{userId}/level",
    operationId: "getLevel",
    summary: "Member level",
    description:
      "The user's member level: coins earned from allocations in the program's trailing calendar months, the level they reach and how far the next one is. 400 INVALID_INPUT when the program has no levels (set them in COINAGE_PROGRAMS).",
    tags: ["v1 ledger"],
    params: userParams,
    payload: memberLevel,
    errors: [400],
    async handler({ coinage, params }) {
      return coinage.level(params.userId);
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/requests/{requestId}",
    operationId: "getRequest",
    summary: "Request status",
    description:
      "A booked write (allocation, redemption, reversal or adjustment) by its requestId: its kind, user, instant, coins, how many of them were reversed since, and the result its first call returned. 404 REQUEST_NOT_FOUND when none was booked with this id.",
    tags: ["v1 ledger"],
    params: requestParams,
    payload: requestStatus,
    errors: [404],
    async handler({ coinage, params }) {
      return coinage.request(params.requestId);
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/users/{userId}/history",
    operationId: "getHistory",
    summary: "History",
    description: "The user's entries, newest first, paged by cursor.",
    tags: ["v1 ledger"],
    params: userParams,
    query: pageQuery,
    payload: historyPage,
    async handler({ coinage, params, query }) {
      return coinage.history(params.userId, defined({ limit: query.limit, cursor: query.cursor }));
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/expiring",
    operationId: "listExpiring",
    summary: "Users with coins expiring soon",
    description:
      "Program-wide, the users holding coins that expire after now and at or before `before` (for reminders), with those coins and their earliest expiry; ordered by earliest expiry, paged by cursor. A page reads an index, never every account.",
    tags: ["v1 ledger"],
    query: expiringQuery,
    payload: expiringPage,
    async handler({ coinage, query }) {
      return coinage.expiring({
        before: new Date(query.before),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v1/feed",
    operationId: "readFeed",
    summary: "Change feed",
    description:
      "Program-wide, every ledger entry in commit order after the cursor `after`, for a worker that delivers webhooks at least once: handle the items, then store `nextCursor` and poll again with it. `partition=i/n` keeps the users of partition i of n. Needs a store with a change feed (memory, PostgreSQL); 400 INVALID_INPUT at `store` otherwise.",
    tags: ["v1 ledger"],
    query: feedQuery,
    payload: feedPage,
    async handler({ coinage, query }) {
      const [index, count] = (query.partition ?? "").split("/").map(Number);
      return coinage.feed({
        ...(query.after === undefined ? {} : { after: query.after }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.partition === undefined
          ? {}
          : { partition: { index: index as number, count: count as number } }),
      });
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v1/expire",
    operationId: "expireCoins",
    summary: "Run the expiry sweep",
    description:
      "Writes `expire` entries for lots past their expiry (balances already ignore them). Safe to run again.",
    tags: ["v1 ledger"],
    body: expireBody,
    payload: expireResult,
    async handler({ coinage, body }) {
      return coinage.expire(body.before === undefined ? {} : { before: new Date(body.before) });
    },
  }),
];
