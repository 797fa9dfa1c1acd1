/**
 * Every request and response shape of the API, built once with the schema
 * builder. The routes validate with these; `/openapi.json` renders them.
 *
 * Request schemas check structure (types, enums, known fields). The rule
 * semantics (tiers sorted, promotion windows ordered, limits…) are checked by
 * core's `parseEvent`, whose issues come back with the same `path` format.
 */
import {
  array,
  boolean,
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
  record,
  type Schema,
  string,
  tagged,
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
const calendarUnit = enumOf(["day", "week", "month", "quarter", "year"]);

const dateRule = union([
  object({
    years: optional(integer({ minimum: 0 })),
    months: optional(integer({ minimum: 0 })),
    days: optional(integer({ minimum: 0 })),
    hours: optional(integer({ minimum: 0 })),
  }).describe(
    "A duration after the earning instant (calendar arithmetic in the program's time zone).",
  ),
  object({ endOf: calendarUnit, plus: optional(integer({ minimum: 0 })) }).describe(
    "The end of the current calendar unit, plus N more units.",
  ),
  object({ at: dateTime() }).describe("A fixed instant."),
]);

export const expiryRule = named(
  "ExpiryRule",
  union([literal("never"), dateRule]).describe('When earned coins expire; "never" by default.'),
);
export const activationRule = named(
  "ActivationRule",
  union([literal("immediately"), dateRule]).describe(
    'When earned coins become spendable; "immediately" by default.',
  ),
);

const tier = union([
  object({ from: money, percent: decimal({ nonNegative: true }) }),
  object({ from: money, coins: decimal({ nonNegative: true }) }),
]);

export const rewardRule = named(
  "RewardRule",
  tagged("kind", {
    fixed: object({ kind: literal("fixed"), coins: decimal({ nonNegative: true }) }).describe(
      "N coins per allocation.",
    ),
    percentage: object({
      kind: literal("percentage"),
      percent: decimal({ nonNegative: true }),
    }).describe(
      "P percent of the transaction amount, converted to coins at the program's coin value.",
    ),
    tiered: object({
      kind: literal("tiered"),
      mode: optional(enumOf(["flat", "progressive"])),
      tiers: array(tier, { minItems: 1, maxItems: 100 }),
    }).describe(
      "Tiers by transaction amount, sorted by `from` (the first from 0); `flat` by default.",
    ),
  }),
);

export const promotion = named(
  "Promotion",
  object({
    id: string({ minLength: 1, maxLength: 200 }),
    multiplier: decimal({ positive: true }).example("2"),
    from: dateTime(),
    until: dateTime(),
  }).describe("A multiplier active in [from, until)."),
);

export const caps = named(
  "Caps",
  object({
    perAllocation: optional(coins),
    perUser: optional(array(object({ coins, period }), { maxItems: 5 })),
    budget: optional(coins),
  }),
);

const window = object({ from: optional(dateTime()), until: optional(dateTime()) }).describe(
  "Allocations are accepted only inside [from, until).",
);

const status = enumOf(["active", "paused", "archived"]);
const stack = enumOf(["max", "multiply"]).describe(
  'How several active promotions combine; "max" by default.',
);

/** The richer rule carried by the v0 endpoints besides the seed's `amount`. */
export const eventRule = named(
  "EventRule",
  object({
    reward: optional(rewardRule),
    status: optional(status),
    window: optional(window),
    promotions: optional(array(promotion, { maxItems: 100 })),
    stack: optional(stack),
    caps: optional(caps),
    minAmount: optional(money),
    expiry: optional(expiryRule),
    activation: optional(activationRule),
  }).describe(
    "Everything beyond the seed's fixed `amount`: a percentage or tiered reward, promotions, caps, a minimum amount, expiry and activation.",
  ),
);

/** The same fields for PATCH: each replaces the stored one whole; `null` removes an optional one. */
export const eventRulePatch = named(
  "EventRulePatch",
  object({
    reward: optional(rewardRule),
    status: optional(status),
    window: optional(nullable(window)),
    promotions: optional(nullable(array(promotion, { maxItems: 100 }))),
    stack: optional(nullable(stack)),
    caps: optional(nullable(caps)),
    minAmount: optional(nullable(money)),
    expiry: optional(nullable(expiryRule)),
    activation: optional(nullable(activationRule)),
  }).describe("Fields to change; each replaces the stored field whole, `null` removes it."),
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

export const coinEvent = named(
  "CoinEvent",
  object({
    id: string(),
    name: string(),
    status,
    window: optional(window),
    reward: rewardRule,
    promotions: optional(array(promotion)),
    stack: optional(stack),
    caps: optional(caps),
    minAmount: optional(string()),
    expiry: optional(expiryRule),
    activation: optional(activationRule),
    metadata: optional(record(json())),
    version: integer({ minimum: 1 }),
  }),
);

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
    rule: eventRule,
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
