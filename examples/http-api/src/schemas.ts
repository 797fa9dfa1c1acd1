/**
 * Every request and response shape of the API, built once with the schema
 * builder. The routes validate with these; `/openapi.json` renders them.
 *
 * Request schemas check structure (types, enums, known fields). A coin
 * event's fields are core's: their JSON Schema is rendered from core's
 * definition, and core's `parseEvent` checks them, its issues coming back
 * with the same `path` format under the request field they were sent in.
 */
import type { CoinEvent, EventInput, EventPatch } from "@coinage/core";
import { coinEventSchema, eventInputSchema, eventPatchSchema } from "@coinage/core/json-schema";
import {
  array,
  boolean,
  coreObject,
  dateTime,
  decimal,
  enumOf,
  integer,
  json,
  literal,
  named,
  nullable,
  object,
  optional,
  reshape,
  type Schema,
  string,
  union,
} from "./schema.js";

// ---------------------------------------------------------------------------
// Building blocks

/** Ids (user, event, request) are opaque strings; core enforces the same limit. */
const id = (what: string) => string({ minLength: 1, maxLength: 200 }).describe(what);

export const userId = id("The user's id in your system.").example("user-42");
export const requestId = id(
  "Unique per write in the program; a retry with the same id and payload returns the first result.",
).example("order-1001-earn");
export const eventId = id(
  "The coin event's id. For events created through the v0 API it is the event name.",
).example("HOLIDAY_SALE");
export const companyId = string({ minLength: 1, maxLength: 200 })
  .describe(
    "The program (tenant). Must be the program of the bearer token, otherwise 403 FORBIDDEN_PROGRAM.",
  )
  .example("demo");
export const reason = string({ maxLength: 500 }).describe("Free text kept in the history.");
const coins = decimal({ positive: true }).describe(
  "Coins, as a decimal string (or an exact JSON number).",
);
const money = decimal({ nonNegative: true }).describe(
  "A currency amount, as a decimal string (or an exact JSON number).",
);

const period = enumOf(["day", "week", "month", "year", "lifetime"]);
const status = enumOf(["active", "paused", "archived"]);

// Coin events: their shapes are core's (`@coinage/core/json-schema`), rendered
// from the definition `parseEvent` runs. The seed's `rule` is the event
// without the fields the seed names itself (id and name are its `event`,
// metadata holds its `configuration`).

/** What the v0 endpoints carry in `rule`: an event's fields but id, name and metadata. */
export type EventRule = Omit<EventInput, "id" | "name" | "metadata" | "reward"> & {
  readonly reward?: EventInput["reward"];
};
/** The same for PATCH: each field replaces the stored one whole; `null` removes an optional one. */
export type EventRulePatch = Omit<EventPatch, "name" | "metadata">;

const SEED_FIELDS = ["id", "name", "metadata"];

/** The richer rule carried by the v0 endpoints besides the seed's `amount`. */
export const eventRule = named(
  "EventRule",
  coreObject<EventRule>((context) =>
    reshape(eventInputSchema(context), { omit: SEED_FIELDS, optional: ["reward"] }),
  ).describe(
    "Everything beyond the seed's fixed `amount`: a percentage or tiered reward, promotions, caps, a minimum amount, expiry and activation.",
  ),
);

/** The same fields for PATCH: each replaces the stored one whole; `null` removes an optional one. */
export const eventRulePatch = named(
  "EventRulePatch",
  coreObject<EventRulePatch>((context) =>
    reshape(eventPatchSchema(context), { omit: SEED_FIELDS }),
  ).describe("Fields to change; each replaces the stored field whole, `null` removes it."),
);

/** The rule of a stored event, as the v0 endpoints return it: canonical, defaults filled in. */
const storedEventRule = named(
  "StoredEventRule",
  coreObject<Record<string, unknown>>((context) =>
    reshape(coinEventSchema(context), { omit: [...SEED_FIELDS, "version"] }),
  ).describe("The event's rule as stored: canonical decimals and instants, defaults filled in."),
);

export const configuration = enumOf(["DEFAULT", "CUSTOM"]).describe(
  "The seed's configuration label, kept with the event (metadata.configuration).",
);

// ---------------------------------------------------------------------------
// v0: the seed's endpoints

export const createEventBody = object({
  configuration,
  companyId,
  event: eventId.describe("The event name; it becomes the event's id (the coinConfigId)."),
  amount: optional(
    integer({ minimum: 0 }).describe(
      "Coins per allocation: a fixed reward. Required unless `rule.reward` is given.",
    ),
  ),
  rule: optional(eventRule),
});

export const updateEventBody = object({
  amount: optional(
    integer({ minimum: 0 }).describe("Coins per allocation: replaces the reward by a fixed one."),
  ),
  configuration: optional(configuration),
  companyId: optional(companyId),
  event: optional(
    string({ minLength: 1, maxLength: 200 }).describe(
      "The event name is its id and cannot change; when sent it must equal the coinConfigId.",
    ),
  ),
  rule: optional(eventRulePatch),
  expectedVersion: optional(
    integer({ minimum: 1 }).describe(
      "Fail with 409 VERSION_CONFLICT unless the stored version is this one.",
    ),
  ),
});

export const coinConfigParams = object({ coinConfigId: eventId });

export const allocateBody = object({
  companyId,
  event: eventId,
  requestId,
  userId,
  amount: optional(
    money.describe("Transaction amount in currency; required by percentage and tiered rewards."),
  ),
  reason: optional(reason),
});

/** Query objects ignore parameters they do not know (cache busters, tracing). */
const lenient = { allowUnknown: true } as const;

export const seedBalanceQuery = object({ userId, companyId: optional(companyId) }, lenient);

// ---------------------------------------------------------------------------
// v1: what the library adds

export const pageQuery = object(
  {
    limit: optional(
      integer({ minimum: 1, maximum: 500, fromString: true }).describe("Page size; 50 by default."),
    ),
    cursor: optional(
      string({ minLength: 1, maxLength: 400 }).describe("The `nextCursor` of the previous page."),
    ),
  },
  lenient,
);

export const eventParams = object({ eventId });
export const userParams = object({ userId });

export const previewBody = object({
  event: eventId,
  userId: userId.describe("Whose cap usage to apply."),
  amount: optional(money),
});

export const redeemBody = object({ userId, coins, requestId, reason: optional(reason) });

export const reverseBody = object({
  requestId,
  of: id("The requestId of the allocation or redemption to reverse."),
  coins: optional(coins.describe("Part of it; the whole remainder when omitted.")),
  amount: optional(
    money.describe(
      "Instead of coins, for an allocation booked with an amount: the refunded part of the purchase. The coins taken back are computed with the rule as booked (tier, promotion, caps), never today's; refunds never exceed the purchase in total.",
    ),
  ),
  reason: optional(reason),
});

const allocationItem = object({
  userId,
  event: eventId,
  requestId,
  amount: optional(money),
  reason: optional(reason),
});

export const allocateManyBody = object({
  items: array(allocationItem, { minItems: 1, maxItems: 1000 }),
});

export const expireBody = object({
  before: optional(
    dateTime().describe(
      "Expire lots whose expiry is at or before this instant (never later than now).",
    ),
  ),
});

// ---------------------------------------------------------------------------
// Responses (documentation only; the engine produces them)

const lotMovement = object({ lotId: integer(), coins: string() });

export const balance = named(
  "Balance",
  object({
    userId: string(),
    available: string().describe("Spendable now."),
    pending: string().describe("Earned, not yet spendable (activation delay)."),
    debt: string(),
    value: string().describe("Currency value of `available`."),
    nextExpiry: nullable(object({ at: dateTime(), coins: string() })),
    asOf: dateTime(),
  }),
);

export const breakdown = named(
  "RewardBreakdown",
  object({
    rule: enumOf(["fixed", "percentage", "tiered"]),
    base: string(),
    tiers: optional(
      array(
        object({
          from: string(),
          upTo: optional(string()),
          rate: optional(string()),
          coins: string(),
        }),
      ),
    ),
    promotions: array(object({ id: string(), multiplier: string() })),
    level: optional(
      object({ id: string(), multiplier: string() }).describe(
        "The member's level and the event's multiplier for it (programs with levels).",
      ),
    ),
    multiplier: string(),
    multiplied: string(),
    caps: array(
      object({
        cap: enumOf(["perAllocation", "perUser", "budget"]),
        period: optional(period),
        limit: string(),
        used: optional(string()),
        before: string(),
        after: string(),
      }),
    ),
    rounding: object({
      mode: string(),
      scale: integer(),
      exact: string(),
      rounded: string(),
      limitedBy: optional(enumOf(["perAllocation", "perUser", "budget"])),
    }),
  }).describe("Why N coins: every step of the computation."),
);

const ineligible = enumOf([
  "paused",
  "archived",
  "before_window",
  "after_window",
  "below_min_amount",
  "expires_before_activation",
]);

export const allocation = named(
  "Allocation",
  object({
    requestId: string(),
    userId: string(),
    event: string(),
    coins: string(),
    debtPaid: string(),
    lotId: nullable(integer()),
    earnedAt: dateTime(),
    availableAt: nullable(dateTime()),
    expiresAt: nullable(dateTime()),
    ineligible: optional(ineligible),
    breakdown,
    balance,
    replayed: boolean(),
  }),
);

export const preview = named(
  "Preview",
  object({
    userId: string(),
    event: string(),
    coins: string(),
    earnedAt: dateTime(),
    availableAt: nullable(dateTime()),
    expiresAt: nullable(dateTime()),
    ineligible: optional(ineligible),
    breakdown,
  }),
);

export const redemption = named(
  "Redemption",
  object({
    requestId: string(),
    userId: string(),
    coins: string(),
    value: string(),
    lots: array(lotMovement),
    balance,
    replayed: boolean(),
  }),
);

export const reversal = named(
  "Reversal",
  object({
    requestId: string(),
    of: string(),
    userId: string(),
    kind: enumOf(["allocation", "redemption"]),
    coins: string(),
    taken: string(),
    debt: string(),
    forgiven: string(),
    restored: string(),
    expired: string(),
    lots: array(lotMovement),
    amount: optional(string().describe("The refunded purchase amount, for a refund by amount.")),
    balance,
    replayed: boolean(),
  }),
);

export const historyPage = named(
  "HistoryPage",
  object({
    items: array(
      object({
        seq: integer(),
        type: enumOf(["earn", "redeem", "expire", "reverse", "restore", "adjust"]),
        coins: string(),
        balanceAfter: string(),
        debtAfter: string(),
        requestId: nullable(string()),
        lots: array(lotMovement),
        event: nullable(string()),
        at: dateTime(),
        reason: nullable(string()),
      }),
    ),
    nextCursor: nullable(string()),
  }),
);

export const coinEvent = named("CoinEvent", coreObject<CoinEvent>(coinEventSchema));

export const eventPage = named(
  "EventPage",
  object({ items: array(coinEvent), nextCursor: nullable(string()) }),
);

/** The seed-shaped view of an event returned by the v0 endpoints. */
export const seedEvent = named(
  "SeedEvent",
  object({
    coinConfigId: string(),
    companyId: string(),
    event: string(),
    configuration,
    amount: nullable(integer()).describe(
      "Coins per allocation for a fixed reward; null for percentage or tiered.",
    ),
    status,
    version: integer({ minimum: 1 }),
    rule: storedEventRule,
  }),
);

export const bulkResults = array(
  union([
    object({ ok: literal(true), replayed: boolean(), result: allocation }),
    object({
      ok: literal(false),
      error: object({ code: string(), message: string(), details: json() }),
    }),
  ]),
);

export const seedBalance = integer().describe("The user's available coins.");

export const expireResult = object({ accounts: integer(), lots: integer(), coins: string() });

export const health = object({ status: literal("ok") });

/** Schemas for the error envelope. */
export const errorEnvelope = named(
  "ErrorEnvelope",
  object({
    response_code: integer({ minimum: 1 }).describe("Non-zero on failure: the HTTP status."),
    response_message: string(),
    code: string().describe(
      "Stable error code, e.g. INVALID_INPUT, EVENT_NOT_FOUND, IDEMPOTENCY_CONFLICT.",
    ),
    details: optional(json()),
    payload: json(),
  }),
);

/** Wrap a payload schema in the success envelope. */
export function envelopeOf(payload: Schema<unknown>) {
  return object({
    response_code: literal(0).describe("0 on success."),
    response_message: literal("Success"),
    payload,
  });
}
